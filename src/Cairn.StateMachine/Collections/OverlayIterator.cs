using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// The engine's keys under a prefix merged with the batch's (<see cref="BatchOverlay"/>): a batch entry shadows the
/// engine's key, a deletion hides it, a dropped range hides the engine's keys in it. Sees the overlay as it was
/// when made: write after iterating, not during.
/// </summary>
internal sealed class OverlayIterator(IKvIterator engine, List<KeyValuePair<byte[], byte[]?>> overlay, BatchOverlay batch, KvSpace space) : IKvIterator
{
    private int _at;
    private bool _onOverlay;
    private bool _valid;

    public bool Valid => _valid;

    public ReadOnlySpan<byte> Key => _onOverlay ? overlay[_at].Key : engine.Key;

    public ReadOnlySpan<byte> Value => _onOverlay ? overlay[_at].Value : engine.Value;

    public void Seek(ReadOnlySpan<byte> key)
    {
        engine.Seek(key);
        _at = 0;
        var target = key.ToArray();
        while (_at < overlay.Count && ByteArrayComparer.Instance.Compare(overlay[_at].Key, target) < 0)
        {
            _at++;
        }
        Settle();
    }

    public void SeekToFirst()
    {
        engine.SeekToFirst();
        _at = 0;
        Settle();
    }

    public void Next()
    {
        if (_onOverlay)
        {
            _at++;
        }
        else
        {
            engine.Next();
        }
        Settle();
    }

    /// <summary>Moves to the first key, at or after the two positions, that the merged view holds.</summary>
    private void Settle()
    {
        while (true)
        {
            while (engine.Valid && batch.IsDropped(space, engine.Key))
            {
                engine.Next();
            }
            var hasOverlay = _at < overlay.Count;
            if (hasOverlay && (!engine.Valid || engine.Key.SequenceCompareTo(overlay[_at].Key) >= 0))
            {
                if (engine.Valid && engine.Key.SequenceEqual(overlay[_at].Key))
                {
                    // The batch's entry stands for this key.
                    engine.Next();
                }
                if (overlay[_at].Value is null)
                {
                    _at++;
                    continue;
                }
                _onOverlay = true;
                _valid = true;
                return;
            }
            _onOverlay = false;
            _valid = engine.Valid;
            return;
        }
    }

    public void Dispose() => engine.Dispose();
}
