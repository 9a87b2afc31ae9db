namespace Cairn.Raft;

public enum EntryType : byte
{
    Normal = 0,
    ConfChange = 1,
}

/// <summary>
/// A log entry. A value type so a log of them costs no allocation per entry beyond the payload.
/// <see cref="Data"/> is owned by whoever proposed it and never mutated afterwards.
/// </summary>
public readonly record struct Entry(ulong Term, ulong Index, EntryType Type, ReadOnlyMemory<byte> Data)
{
    /// <summary>Approximate encoded size, for message size limits.</summary>
    public int Size => Data.Length + 24;
}

/// <summary>What must be on stable storage before any message that depends on it is sent.</summary>
public readonly record struct HardState(ulong Term, ulong Vote, ulong Commit)
{
    public bool IsEmpty => Term == 0 && Vote == 0 && Commit == 0;
}

public enum StateType : byte
{
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// <summary>
/// A linearizable read point: once the state machine has applied <see cref="Index"/>, a read for the
/// request identified by <see cref="Context"/> reflects every write committed before the request.
/// </summary>
public readonly record struct ReadState(ulong Index, byte[] Context);

/// <summary>How the leader confirms it still leads before answering a read index.</summary>
public enum ReadOnlyOption : byte
{
    /// <summary>A heartbeat round acknowledged by a quorum (thesis §6.4). Safe under any clock behaviour.</summary>
    Safe,

    /// <summary>
    /// The leader's lease (thesis §6.4.1): answer at once. Assumes clocks that drift less than the election
    /// timeout's margin, so no other leader is elected before this one notices (CheckQuorum) it lost its
    /// quorum. Requires CheckQuorum.
    /// </summary>
    LeaseBased,
}

/// <summary>Volatile state worth reporting (not persisted): who leads and our role.</summary>
public readonly record struct SoftState(ulong Lead, StateType State);
