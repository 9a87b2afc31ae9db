namespace Cairn.Raft.Log;

/// <summary>
/// Entries accepted but not yet persisted, starting at <see cref="Offset"/>, in an array buffer.
/// Views handed out (<see cref="View"/>) stay valid until the next <see cref="StableTo"/>: slots
/// before the end are never overwritten in place. A truncation or a full buffer gets a fresh array,
/// and the consumed prefix is reclaimed only in StableTo, which the driver reaches through Advance
/// after it has sent the messages that hold views. In steady state nothing is allocated.
/// </summary>
internal sealed class UnstableLog(ulong offset)
{
    private Entry[] _buffer = new Entry[64];
    private int _start;

    public ulong Offset { get; private set; } = offset;

    public int Count { get; private set; }

    /// <summary>A snapshot received from the leader and not yet installed by the driver.</summary>
    public Snapshot? Snapshot { get; private set; }

    /// <summary>All unstable entries, as a view.</summary>
    public ArraySegment<Entry> Entries => new(_buffer, _start, Count);

    /// <summary>Entries in [lo, hi), which must be unstable, as a view.</summary>
    public ArraySegment<Entry> View(ulong lo, ulong hi) => new(_buffer, _start + (int)(lo - Offset), (int)(hi - lo));

    public bool TryLastIndex(out ulong index)
    {
        index = Offset + (ulong)Count - 1;
        return Count > 0 || Snapshot is not null;
    }

    public bool TryTerm(ulong index, out ulong term)
    {
        term = 0;
        if (Snapshot is not null && index == Snapshot.Index)
        {
            term = Snapshot.Term;
            return true;
        }
        if (index < Offset || index >= Offset + (ulong)Count)
        {
            return false;
        }
        term = _buffer[_start + (int)(index - Offset)].Term;
        return true;
    }

    public ref readonly Entry At(ulong index) => ref _buffer[_start + (int)(index - Offset)];

    /// <summary>Entries up to <paramref name="index"/> of term <paramref name="term"/> are on storage now.</summary>
    public void StableTo(ulong index, ulong term)
    {
        if (!TryTerm(index, out var t) || t != term || index < Offset)
        {
            // Replaced since it was handed out for persistence: the newer entries are still unstable.
            return;
        }
        var count = (int)(index + 1 - Offset);
        Array.Clear(_buffer, _start, count);
        _start += count;
        Count -= count;
        Offset = index + 1;
        if (Count == 0)
        {
            _start = 0;
        }
        else if (_start > _buffer.Length / 2)
        {
            // No view into the buffer is live now (Advance): move the tail down to reuse the space.
            Array.Copy(_buffer, _start, _buffer, 0, Count);
            Array.Clear(_buffer, Count, _start);
            _start = 0;
        }
    }

    /// <summary>Appends, first dropping any unstable suffix from the first new index (a conflict).</summary>
    public void TruncateAndAppend(ReadOnlySpan<Entry> entries)
    {
        var first = entries[0].Index;
        if (first == Offset + (ulong)Count)
        {
            EnsureRoom(entries.Length, keep: Count);
        }
        else if (first <= Offset)
        {
            // Replaces everything unstable (and shadows storage from `first` on).
            Offset = first;
            Replace(keep: 0, entries.Length);
        }
        else
        {
            Replace(keep: (int)(first - Offset), entries.Length);
        }
        entries.CopyTo(_buffer.AsSpan(_start + Count));
        Count += entries.Length;
    }

    /// <summary>Appends fresh entries of one term at the next indexes (a leader's proposals), with no intermediate array.</summary>
    public void AppendNew(ulong term, ReadOnlySpan<ReadOnlyMemory<byte>> payloads)
    {
        EnsureRoom(payloads.Length, keep: Count);
        var next = Offset + (ulong)Count;
        for (var i = 0; i < payloads.Length; i++)
        {
            _buffer[_start + Count + i] = new Entry(term, next + (ulong)i, EntryType.Normal, payloads[i]);
        }
        Count += payloads.Length;
    }

    public void Slice(ulong lo, ulong hi, long maxBytes, ref long size, List<Entry> into)
    {
        for (var i = lo; i < hi; i++)
        {
            ref readonly var entry = ref At(i);
            size += entry.Size;
            if (into.Count > 0 && size > maxBytes)
            {
                return;
            }
            into.Add(entry);
        }
    }

    /// <summary>Replaces everything unstable with a snapshot: the log continues after its index.</summary>
    public void Restore(Snapshot snapshot)
    {
        Offset = snapshot.Index + 1;
        Replace(keep: 0, 0);
        Snapshot = snapshot;
    }

    /// <summary>The snapshot is installed on storage now.</summary>
    public void StableSnapshotTo(ulong index)
    {
        if (Snapshot is not null && Snapshot.Index == index)
        {
            Snapshot = null;
        }
    }

    private void EnsureRoom(int more, int keep)
    {
        if (_start + keep + more > _buffer.Length)
        {
            Replace(keep, more);
        }
    }

    /// <summary>Moves the first <paramref name="keep"/> entries to a fresh array with room for <paramref name="more"/>; old views stay intact.</summary>
    private void Replace(int keep, int more)
    {
        var fresh = new Entry[Math.Max(64, (keep + more) * 2)];
        Array.Copy(_buffer, _start, fresh, 0, keep);
        _buffer = fresh;
        _start = 0;
        Count = keep;
    }
}
