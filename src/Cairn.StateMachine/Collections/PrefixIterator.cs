using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>An iterator limited to the keys that start with a prefix: invalid past them either way. Seeks are clamped into the prefix.</summary>
internal sealed class PrefixIterator(IKvIterator inner, byte[] prefix) : IKvIterator
{
    private byte[]? _end;

    private byte[] End => _end ??= KeyCodec.PrefixEnd(prefix);

    public bool Valid => inner.Valid && inner.Key.StartsWith(prefix);

    public ReadOnlySpan<byte> Key => inner.Key;

    public ReadOnlySpan<byte> Value => inner.Value;

    public void Seek(ReadOnlySpan<byte> key) => inner.Seek(key.SequenceCompareTo(prefix) < 0 ? prefix : key);

    public void SeekToFirst() => inner.Seek(prefix);

    public void SeekForPrev(ReadOnlySpan<byte> key)
    {
        if (key.SequenceCompareTo(End) >= 0)
        {
            SeekToLast();
            return;
        }
        inner.SeekForPrev(key);
    }

    public void SeekToLast()
    {
        inner.SeekForPrev(End);
        if (inner.Valid && !inner.Key.StartsWith(prefix))
        {
            inner.Prev();
        }
    }

    public void Next() => inner.Next();

    public void Prev() => inner.Prev();

    public void Dispose() => inner.Dispose();
}
