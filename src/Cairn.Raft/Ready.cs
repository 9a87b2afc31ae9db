namespace Cairn.Raft;

/// <summary>
/// Work for the driver, to be done in this order before calling <see cref="RawNode.Advance"/>:
/// <list type="number">
/// <item><see cref="HardState"/> (when set) and <see cref="Entries"/> must be written to stable storage
/// (fsynced) first: <see cref="Messages"/> may include votes and append acknowledgements that promise them.</item>
/// <item>Then send <see cref="Messages"/>.</item>
/// <item>Then apply <see cref="CommittedEntries"/> in order; they may include entries from
/// <see cref="Entries"/>, which step 1 has made durable.</item>
/// </list>
/// </summary>
public sealed class Ready
{
    /// <summary>
    /// A snapshot from the leader, to install first (state machine and log) when set: it replaces
    /// everything up to its index, and its membership becomes the group's.
    /// </summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>Role and leader, when they changed since the last Ready; informational.</summary>
    public SoftState? SoftState { get; init; }

    /// <summary>Term, vote and commit to persist, when they changed; null otherwise.</summary>
    public HardState? HardState { get; init; }

    /// <summary>
    /// Entries to append to stable storage (replacing any suffix from the first one's index). Like
    /// <see cref="CommittedEntries"/>, a view valid until Advance: copy what must outlive it.
    /// </summary>
    public required IReadOnlyList<Entry> Entries { get; init; }

    /// <summary>Entries committed by a quorum, to apply to the state machine.</summary>
    public required IReadOnlyList<Entry> CommittedEntries { get; init; }

    /// <summary>Messages to send, only after the entries and hard state above are durable.</summary>
    public required IReadOnlyList<Message> Messages { get; init; }

    /// <summary>Read points confirmed since the last Ready: serve each read once applied ≥ its index.</summary>
    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];

    /// <summary>Whether the writes of this Ready must be synced (false when only the commit index moved).</summary>
    public bool MustSync { get; init; }
}

/// <summary>The leader's view of one member: how far its log matches, and how replication to it stands.</summary>
public readonly record struct MemberProgress(ulong Id, bool IsLearner, ulong Match, ulong Next, Tracker.ProgressState State, bool RecentActive);
