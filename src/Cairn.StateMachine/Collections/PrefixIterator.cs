using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>An iterator limited to the keys that start with a prefix: invalid past them. Seeks are clamped into the prefix.</summary>
internal sealed class PrefixIterator(IKvIterator inner, byte[] prefix) : IKvIterator
{
    public bool Valid => inner.Valid && inner.Key.StartsWith(prefix);

    public ReadOnlySpan<byte> Key => inner.Key;

    public ReadOnlySpan<byte> Value => inner.Value;

    public void Seek(ReadOnlySpan<byte> key) => inner.Seek(key.SequenceCompareTo(prefix) < 0 ? prefix : key);

    public void SeekToFirst() => inner.Seek(prefix);

    public void Next() => inner.Next();

    public void Dispose() => inner.Dispose();
}
