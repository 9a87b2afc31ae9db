using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// The engine's keys under a prefix merged with the batch's (<see cref="BatchOverlay"/>): a batch entry shadows the
/// engine's key, a deletion hides it, a dropped range hides the engine's keys in it. Either direction, as the last
/// seek chose. Sees the overlay as it was when made: write after iterating, not during.
/// </summary>
internal sealed class OverlayIterator(IKvIterator engine, OverlayEntries overlay, BatchOverlay batch, KvSpace space) : IKvIterator
{
    private int _at;
    private bool _onOverlay;
    private bool _valid;
    private bool _backward;

    public bool Valid => _valid;

    public ReadOnlySpan<byte> Key => _onOverlay ? _entry!.Key : engine.Key;

    public ReadOnlySpan<byte> Value => _onOverlay ? _entry!.Value : engine.Value;

    /// <summary>The overlay's entry at <see cref="_at"/> (looked up once per move: indexing is O(log n)).</summary>
    private OverlayEntry? _entry;

    public void Seek(ReadOnlySpan<byte> key)
    {
        _backward = false;
        engine.Seek(key);
        _at = overlay.FirstAtOrAfter(key);
        Settle();
    }

    public void SeekToFirst()
    {
        _backward = false;
        engine.SeekToFirst();
        _at = 0;
        Settle();
    }

    public void SeekForPrev(ReadOnlySpan<byte> key)
    {
        _backward = true;
        engine.SeekForPrev(key);
        _at = overlay.LastAtOrBefore(key);
        Settle();
    }

    public void SeekToLast()
    {
        _backward = true;
        engine.SeekToLast();
        _at = overlay.Count - 1;
        Settle();
    }

    public void Next() => Step();

    public void Prev() => Step();

    private void Step()
    {
        if (_onOverlay)
        {
            _at += _backward ? -1 : 1;
        }
        else
        {
            Move();
        }
        Settle();
    }

    private void Move()
    {
        if (_backward)
        {
            engine.Prev();
        }
        else
        {
            engine.Next();
        }
    }

    /// <summary>Moves to the first key, at or beyond the two positions in the iterator's direction, that the merged view holds.</summary>
    private void Settle()
    {
        while (true)
        {
            while (engine.Valid && batch.IsDropped(space, engine.Key))
            {
                Move();
            }
            var hasOverlay = _at >= 0 && _at < overlay.Count;
            _entry = hasOverlay ? overlay[_at] : null;
            var order = hasOverlay && engine.Valid ? engine.Key.SequenceCompareTo(_entry!.Key) * (_backward ? -1 : 1) : 0;
            if (hasOverlay && (!engine.Valid || order >= 0))
            {
                if (engine.Valid && order == 0)
                {
                    // The batch's entry stands for this key.
                    Move();
                }
                if (_entry!.Value is null)
                {
                    _at += _backward ? -1 : 1;
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
