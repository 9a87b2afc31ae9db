namespace Cairn.Raft.Log;

/// <summary>
/// Entries accepted but not yet persisted, starting at <see cref="Offset"/>. They move to storage
/// when the driver reports them persisted (StableTo).
/// </summary>
internal sealed class UnstableLog(ulong offset)
{
    private readonly List<Entry> _entries = [];

    public ulong Offset { get; private set; } = offset;

    /// <summary>A snapshot received from the leader and not yet installed by the driver.</summary>
    public Snapshot? Snapshot { get; private set; }

    public int Count => _entries.Count;

    public IReadOnlyList<Entry> Entries => _entries;

    public bool TryLastIndex(out ulong index)
    {
        index = Offset + (ulong)_entries.Count - 1;
        return _entries.Count > 0 || Snapshot is not null;
    }

    /// <summary>Replaces everything unstable with a snapshot: the log continues after its index.</summary>
    public void Restore(Snapshot snapshot)
    {
        Offset = snapshot.Index + 1;
        _entries.Clear();
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

    public bool TryTerm(ulong index, out ulong term)
    {
        term = 0;
        if (Snapshot is not null && index == Snapshot.Index)
        {
            term = Snapshot.Term;
            return true;
        }
        if (index < Offset || index >= Offset + (ulong)_entries.Count)
        {
            return false;
        }
        term = _entries[(int)(index - Offset)].Term;
        return true;
    }

    /// <summary>Entries up to <paramref name="index"/> of term <paramref name="term"/> are on storage now.</summary>
    public void StableTo(ulong index, ulong term)
    {
        if (!TryTerm(index, out var t) || t != term)
        {
            // Replaced since it was handed out for persistence: the newer entries are still unstable.
            return;
        }
        var count = (int)(index + 1 - Offset);
        _entries.RemoveRange(0, count);
        Offset = index + 1;
    }

    /// <summary>Appends, first dropping any unstable suffix from the first new index (a conflict).</summary>
    public void TruncateAndAppend(IReadOnlyList<Entry> entries)
    {
        var first = entries[0].Index;
        if (first == Offset + (ulong)_entries.Count)
        {
            // Directly after what we have.
        }
        else if (first <= Offset)
        {
            // Replaces everything unstable (and shadows storage from `first` on).
            Offset = first;
            _entries.Clear();
        }
        else
        {
            _entries.RemoveRange((int)(first - Offset), _entries.Count - (int)(first - Offset));
        }
        for (var i = 0; i < entries.Count; i++)
        {
            _entries.Add(entries[i]);
        }
    }

    public void Slice(ulong lo, ulong hi, long maxBytes, ref long size, List<Entry> into)
    {
        for (var i = lo; i < hi; i++)
        {
            var entry = _entries[(int)(i - Offset)];
            size += entry.Size;
            if (into.Count > 0 && size > maxBytes)
            {
                return;
            }
            into.Add(entry);
        }
    }
}
