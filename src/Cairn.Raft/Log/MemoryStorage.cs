namespace Cairn.Raft.Log;

/// <summary>
/// <see cref="IRaftStorage"/> in memory, with the write side a driver uses: for tests and the
/// simulator. Holds a sentinel at position 0 (index FirstIndex - 1) so Term(FirstIndex - 1) works.
/// </summary>
public sealed class MemoryStorage(IEnumerable<ulong> voters, int capacity = 16) : IRaftStorage
{
    private readonly List<Entry> _entries = new(capacity) { new Entry(0, 0, EntryType.Normal, default) };
    private ConfState _conf = new(voters.ToArray(), []);
    private HardState _hardState;
    private Snapshot? _snapshot;

    public HardState InitialState() => _hardState;

    public ConfState Conf() => _conf;

    public void SetConf(ConfState conf) => _conf = conf;

    public ulong FirstIndex() => _entries[0].Index + 1;

    public ulong LastIndex() => _entries[0].Index + (ulong)_entries.Count - 1;

    public ulong Term(ulong index)
    {
        var offset = _entries[0].Index;
        if (index < offset)
        {
            throw new CompactedException(index);
        }
        if (index > LastIndex())
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} outside [{offset}, {LastIndex()}]");
        }
        return _entries[(int)(index - offset)].Term;
    }

    public void Entries(ulong lo, ulong hi, long maxBytes, List<Entry> into)
    {
        var offset = _entries[0].Index;
        if (lo <= offset)
        {
            throw new CompactedException(lo);
        }
        long size = 0;
        for (var i = lo; i < hi; i++)
        {
            var entry = _entries[(int)(i - offset)];
            size += entry.Size;
            if (i > lo && size > maxBytes)
            {
                return;
            }
            into.Add(entry);
        }
    }

    public void SetHardState(HardState state) => _hardState = state;

    public Snapshot? Snapshot() => _snapshot;

    /// <summary>Records a snapshot the application made at an applied <paramref name="index"/> (≤ last index).</summary>
    public Snapshot CreateSnapshot(ulong index, ConfState conf, ReadOnlyMemory<byte> data)
    {
        if (_snapshot is not null && index <= _snapshot.Index)
        {
            return _snapshot;
        }
        _snapshot = new Snapshot(index, Term(index), conf, data);
        return _snapshot;
    }

    /// <summary>
    /// Records snapshot metadata, as a durable log replays it: beyond the last index it is an installed
    /// snapshot (the log restarts after it); otherwise only the metadata is kept.
    /// </summary>
    public void RecordSnapshot(Snapshot snapshot)
    {
        if (_snapshot is not null && snapshot.Index <= _snapshot.Index)
        {
            return;
        }
        if (snapshot.Index > LastIndex())
        {
            ApplySnapshot(snapshot);
            return;
        }
        _snapshot = snapshot;
    }

    /// <summary>
    /// Makes an empty log start after <paramref name="index"/> (a replayed log whose prefix was compacted
    /// away); the term of that index may be unknown (0) until <see cref="SetCompactedTerm"/> supplies it.
    /// </summary>
    public void StartAfter(ulong index, ulong term = 0)
    {
        if (_entries.Count != 1)
        {
            throw new InvalidOperationException("only an empty log can start later");
        }
        _entries[0] = new Entry(term, index, EntryType.Normal, default);
    }

    /// <summary>Records the term of the last compacted index (the one before the first entry), if that is <paramref name="index"/>.</summary>
    public void SetCompactedTerm(ulong index, ulong term)
    {
        if (_entries[0].Index == index && term != 0)
        {
            _entries[0] = _entries[0] with { Term = term };
        }
    }

    /// <summary>Drops entries up to <paramref name="index"/>, which a snapshot must cover.</summary>
    public void Compact(ulong index)
    {
        var offset = _entries[0].Index;
        if (index <= offset)
        {
            return;
        }
        if (index > LastIndex())
        {
            throw new InvalidOperationException($"compact {index} is past the last index {LastIndex()}");
        }
        var sentinel = _entries[(int)(index - offset)] with { Data = default };
        _entries.RemoveRange(0, (int)(index - offset) + 1);
        _entries.Insert(0, sentinel);
    }

    /// <summary>Installs a snapshot received from the leader: the log restarts after it.</summary>
    public void ApplySnapshot(Snapshot snapshot)
    {
        _snapshot = snapshot;
        _conf = snapshot.Conf;
        _entries.Clear();
        _entries.Add(new Entry(snapshot.Term, snapshot.Index, EntryType.Normal, default));
        if (_hardState.Commit < snapshot.Index)
        {
            _hardState = _hardState with { Commit = snapshot.Index };
        }
    }

    /// <summary>Appends, replacing any existing suffix from the first new index (a conflict truncation).</summary>
    public void Append(IReadOnlyList<Entry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        var offset = _entries[0].Index;
        var first = entries[0].Index;
        if (first <= offset)
        {
            throw new InvalidOperationException($"append at {first} overlaps the compacted prefix ending {offset}");
        }
        var keep = (int)(first - offset);
        if (keep > _entries.Count)
        {
            throw new InvalidOperationException($"append at {first} leaves a gap after {LastIndex()}");
        }
        _entries.RemoveRange(keep, _entries.Count - keep);
        _entries.AddRange(entries);
    }

    /// <summary>All persisted entries, for checks in tests.</summary>
    public IReadOnlyList<Entry> All => _entries.Skip(1).ToList();
}
