namespace Cairn.Storage;

/// <summary>
/// The independent key spaces of the state machine's store (column families in RocksDB).
/// Each space is ordered by unsigned byte-wise key comparison.
/// </summary>
public enum KvSpace : byte
{
    /// <summary>User data records.</summary>
    Data = 0,

    /// <summary>State machine bookkeeping: applied index, key count.</summary>
    Meta = 1,

    /// <summary>Index of keys with a time to live, ordered by expiry time.</summary>
    Expiry = 2,

    /// <summary>Every stored user key, ordered by name (empty values): what prefix ranges walk.</summary>
    Names = 3,

    /// <summary>The change history (revision, ordinal) → put/delete event, trimmed with the Raft log: what watches read.</summary>
    Events = 4,

    /// <summary>The members of collections (hash fields, set and sorted-set members, list elements), under their key and version.</summary>
    Members = 5,

    /// <summary>
    /// The second index of collections, under their key and version: sorted sets' score index (sortable score, member;
    /// empty values) and sets' positions (position → member, for random draws).
    /// </summary>
    Scores = 6,
}
