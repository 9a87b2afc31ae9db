namespace Cairn.Raft.Log;

/// <summary>
/// Read access to what the driver has persisted: the log and the hard state. The core never
/// writes through it; the driver persists a Ready's entries and hard state, then calls Advance.
/// Returned entries are copies the caller may keep.
/// </summary>
public interface IRaftStorage
{
    HardState InitialState();

    /// <summary>Members of the group as last persisted (the application persists it when it applies a change).</summary>
    ConfState Conf();

    /// <summary>Index of the first entry available (1 when nothing was compacted).</summary>
    ulong FirstIndex();

    /// <summary>Index of the last persisted entry (FirstIndex - 1 when empty).</summary>
    ulong LastIndex();

    /// <summary>Term of the entry at <paramref name="index"/>, valid for FirstIndex - 1 ≤ index ≤ LastIndex.</summary>
    ulong Term(ulong index);

    /// <summary>The latest snapshot the application made; null when there is none.</summary>
    Snapshot? Snapshot();

    /// <summary>Appends entries in [lo, hi) to <paramref name="into"/>, stopping once <paramref name="maxBytes"/> is passed (at least one).</summary>
    void Entries(ulong lo, ulong hi, long maxBytes, List<Entry> into);
}
