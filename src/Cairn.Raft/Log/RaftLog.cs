namespace Cairn.Raft.Log;

/// <summary>
/// The log as the core sees it: persisted entries (storage) followed by unstable ones.
/// Invariants: applied ≤ committed ≤ lastIndex; entries ≤ committed never change.
/// </summary>
internal sealed class RaftLog
{
    private readonly IRaftStorage _storage;
    private readonly UnstableLog _unstable;

    public RaftLog(IRaftStorage storage, ulong applied)
    {
        _storage = storage;
        _unstable = new UnstableLog(storage.LastIndex() + 1);
        Committed = storage.InitialState().Commit;
        Applied = Math.Max(applied, storage.FirstIndex() - 1);
        if (Applied > Committed)
        {
            throw new InvalidOperationException($"applied {Applied} is past committed {Committed}");
        }
    }

    public ulong Committed { get; private set; }

    public ulong Applied { get; private set; }

    public UnstableLog Unstable => _unstable;

    public ulong FirstIndex() => _unstable.Snapshot is { } snapshot ? snapshot.Index + 1 : _storage.FirstIndex();

    public IRaftStorage Storage => _storage;

    public ulong LastIndex() => _unstable.TryLastIndex(out var last) ? last : _storage.LastIndex();

    public ulong LastTerm() => Term(LastIndex());

    /// <summary>Term of the entry at <paramref name="index"/>; 0 when it is beyond the log.</summary>
    public ulong Term(ulong index)
    {
        if (_unstable.TryTerm(index, out var term))
        {
            return term;
        }
        if (index < FirstIndex() - 1)
        {
            throw new CompactedException(index);
        }
        return index > _storage.LastIndex() || index >= _unstable.Offset ? 0 : _storage.Term(index);
    }

    /// <summary>The term at <paramref name="index"/>, or false when a snapshot has replaced that entry.</summary>
    public bool TryTerm(ulong index, out ulong term)
    {
        if (index < FirstIndex() - 1)
        {
            term = 0;
            return false;
        }
        term = Term(index);
        return true;
    }

    /// <summary>
    /// A follower's installation of a leader's snapshot (§7): the log restarts after it and the
    /// commit index jumps to it. The driver installs <see cref="UnstableLog.Snapshot"/> from the next Ready.
    /// </summary>
    public void Restore(Snapshot snapshot)
    {
        _unstable.Restore(snapshot);
        Committed = snapshot.Index;
    }

    /// <summary>The driver installed the snapshot: the state machine is at its index.</summary>
    public void SnapshotInstalled(Snapshot snapshot)
    {
        _unstable.StableSnapshotTo(snapshot.Index);
        if (snapshot.Index > Applied)
        {
            Applied = snapshot.Index;
        }
    }

    public bool MatchTerm(ulong index, ulong term) => TryTerm(index, out var t) && t == term;

    /// <summary>Raft §5.4.1: a candidate's log is at least as up to date as ours.</summary>
    public bool IsUpToDate(ulong lastIndex, ulong lastTerm)
    {
        var ourTerm = LastTerm();
        return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= LastIndex());
    }

    /// <summary>
    /// A follower's handling of an append (§5.3): if our entry at <paramref name="prevIndex"/> has
    /// <paramref name="prevTerm"/>, drop any conflicting suffix, append what is new, and commit up to
    /// min(leader commit, last new index). Returns the last index now known to match, or null on mismatch.
    /// </summary>
    public ulong? MaybeAppend(ulong prevIndex, ulong prevTerm, ulong leaderCommit, ArraySegment<Entry> entries)
    {
        if (!MatchTerm(prevIndex, prevTerm))
        {
            return null;
        }
        var lastNew = prevIndex + (ulong)entries.Count;
        var conflict = FindConflict(entries);
        if (conflict != 0)
        {
            if (conflict <= Committed)
            {
                throw new InvalidOperationException($"entry {conflict} conflicts with committed entry (committed {Committed})");
            }
            Append(entries.AsSpan((int)(conflict - prevIndex - 1)));
        }
        CommitTo(Math.Min(leaderCommit, lastNew));
        return lastNew;
    }

    /// <summary>The first index whose entry differs from ours or is new; 0 when all are already here.</summary>
    private ulong FindConflict(ArraySegment<Entry> entries)
    {
        foreach (var entry in entries)
        {
            if (!MatchTerm(entry.Index, entry.Term))
            {
                return entry.Index;
            }
        }
        return 0;
    }

    /// <summary>
    /// For fast back-off: the largest index ≤ <paramref name="index"/> whose term is ≤ <paramref name="term"/>,
    /// with that term. Entries in between cannot match a log whose entry at <paramref name="index"/> has
    /// <paramref name="term"/>, so the leader may skip them all.
    /// </summary>
    public (ulong Index, ulong Term) FindConflictByTerm(ulong index, ulong term)
    {
        var first = FirstIndex() - 1;
        for (; index > first; index--)
        {
            var t = Term(index);
            if (t <= term)
            {
                return (index, t);
            }
        }
        return (index, TryTerm(index, out var last) ? last : 0);
    }

    public ulong Append(ReadOnlySpan<Entry> entries)
    {
        if (entries.Length == 0)
        {
            return LastIndex();
        }
        if (entries[0].Index - 1 < Committed)
        {
            throw new InvalidOperationException($"append after {entries[0].Index - 1} would rewrite committed {Committed}");
        }
        _unstable.TruncateAndAppend(entries);
        return LastIndex();
    }

    public void CommitTo(ulong index)
    {
        if (index > Committed)
        {
            if (index > LastIndex())
            {
                throw new InvalidOperationException($"commit {index} is past the last index {LastIndex()}");
            }
            Committed = index;
        }
    }

    /// <summary>
    /// Raft §5.4.2: a leader commits an index by counting replicas only if its entry is from the
    /// current term; earlier entries are then committed with it.
    /// </summary>
    public bool MaybeCommit(ulong index, ulong term)
    {
        if (index > Committed && Term(index) == term)
        {
            CommitTo(index);
            return true;
        }
        return false;
    }

    public void AppliedTo(ulong index)
    {
        if (index == 0)
        {
            return;
        }
        if (index > Committed || index < Applied)
        {
            throw new InvalidOperationException($"applied {index} outside [{Applied}, {Committed}]");
        }
        Applied = index;
    }

    public void StableTo(ulong index, ulong term) => _unstable.StableTo(index, term);

    /// <summary>Entries in [lo, hi) up to about <paramref name="maxBytes"/> (always at least one).</summary>
    public List<Entry> Slice(ulong lo, ulong hi, long maxBytes)
    {
        var result = new List<Entry>();
        Slice(lo, hi, maxBytes, result);
        return result;
    }

    private void Slice(ulong lo, ulong hi, long maxBytes, List<Entry> result)
    {
        if (lo >= hi)
        {
            return;
        }
        long size = 0;
        if (lo < _unstable.Offset)
        {
            _storage.Entries(lo, Math.Min(hi, _unstable.Offset), maxBytes, result);
            foreach (var entry in result)
            {
                size += entry.Size;
            }
            if ((ulong)result.Count < Math.Min(hi, _unstable.Offset) - lo)
            {
                return;
            }
        }
        if (hi > _unstable.Offset)
        {
            _unstable.Slice(Math.Max(lo, _unstable.Offset), hi, maxBytes, ref size, result);
        }
    }

    /// <summary>
    /// Entries for an append message. From the unstable tail (a busy leader's common case) this is a
    /// view, valid until the next Advance (the transport serializes before it); from storage, a copy.
    /// </summary>
    public ArraySegment<Entry> SliceForMessage(ulong lo, ulong hi, long maxBytes)
    {
        if (lo >= hi)
        {
            return ArraySegment<Entry>.Empty;
        }
        if (lo >= _unstable.Offset)
        {
            long size = 0;
            var end = lo;
            for (; end < hi; end++)
            {
                size += _unstable.At(end).Size;
                if (end > lo && size > maxBytes)
                {
                    break;
                }
            }
            return _unstable.View(lo, end);
        }
        return new ArraySegment<Entry>([.. Slice(lo, hi, maxBytes)]);
    }

    /// <summary>A leader's new entries of <paramref name="term"/>, stamped straight into the log.</summary>
    public ulong AppendNew(ulong term, ReadOnlySpan<ReadOnlyMemory<byte>> payloads)
    {
        _unstable.AppendNew(term, payloads);
        return LastIndex();
    }

    /// <summary>
    /// Committed entries not yet applied, including unstable ones: the driver persists before it applies.
    /// None while a snapshot is waiting to be installed: it comes first.
    /// </summary>
    public List<Entry> NextCommitted(long maxBytes)
    {
        // One list, reused: a Ready's committed entries are valid until the next Ready.
        _committed.Clear();
        if (_unstable.Snapshot is null)
        {
            Slice(Math.Max(Applied + 1, FirstIndex()), Committed + 1, maxBytes, _committed);
        }
        return _committed;
    }

    private readonly List<Entry> _committed = [];

    public bool HasNextCommitted => _unstable.Snapshot is null && Committed > Applied;
}
