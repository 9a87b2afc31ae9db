using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>Settings of one replicated group on this node.</summary>
public sealed record RaftGroupOptions
{
    public required ulong GroupId { get; init; }

    /// <summary>This node: its Raft id and the addresses recorded when it becomes a member.</summary>
    public required MemberInfo Self { get; init; }

    public ulong NodeId => Self.Id;

    /// <summary>Length of one Raft tick. Election timeout = ElectionTicks × this (randomized up to twice that).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>10 ticks of 100 ms: a leader is replaced 1–2 s after it goes silent, not for a busy machine's hiccup.</summary>
    public int ElectionTicks { get; init; } = 10;

    public int HeartbeatTicks { get; init; } = 1;

    /// <summary>
    /// Voters to start an empty group with, by id; the ones this node knows the addresses of are given in
    /// <see cref="Bootstrap"/>. Empty: wait to be added to an existing group (or for <see cref="RaftGroup.BootstrapAsync"/>).
    /// </summary>
    public IReadOnlyList<ulong> InitialVoters { get; init; } = [];

    /// <summary>Most commands proposed in one batch (one log append, one fsync).</summary>
    public int MaxBatch { get; init; } = 4096;

    /// <summary>How long a request may wait for a leader, a commit or a read index before it fails with an error that says why.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A learner is promoted to voter once its log is within this many entries of the leader's.</summary>
    public ulong PromotionLag { get; init; } = 64;

    public ReadOnlyOption ReadOnly { get; init; } = ReadOnlyOption.Safe;

    /// <summary>A snapshot is taken, and the log compacted behind it, once this many entries were applied since the last one (etcd's --snapshot-count).</summary>
    public ulong SnapshotEntries { get; init; } = 10_000;

    /// <summary>Entries kept in the log behind a snapshot, so a follower slightly behind catches up from the log rather than by snapshot.</summary>
    public ulong SnapshotCatchUpEntries { get; init; } = 5_000;

    /// <summary>
    /// Opens a checkpoint directory (made by the state machine) as a store of its own, to compute its digest beside
    /// the group (RAFT.CHECK). Null: this node cannot compute digests and answers that it has none.
    /// </summary>
    public Func<string, Cairn.Storage.IKvEngine>? OpenCheckpoint { get; init; }

    /// <summary>
    /// Called once, on the group's thread, when the group has stopped because it cannot go on (a storage failure
    /// while applying, a failure inside the driver). Every waiting request has been failed; the host exits non-zero.
    /// </summary>
    public Action<Exception>? OnFatal { get; init; }

    /// <summary>Where snapshots being sent or received are staged (on the same file system as the store, so one can be moved into place).</summary>
    public string? SnapshotDirectory { get; init; }
}

/// <summary>How a group reaches its peers (none for a single-node group).</summary>
public interface IRaftTransport
{
    /// <summary>Sends messages; called after the entries and hard state they depend on are durable. Must not block; copies what it keeps.</summary>
    void Send(IReadOnlyList<Message> messages);

    /// <summary>
    /// Forwards writes of this node's session to the leader, to be proposed in this order; the results are the
    /// leader's, in the same order, or (all of them) an error whose outcome is unknown. Null when the batch certainly
    /// did not reach the leader (not connected): the caller may try again.
    /// </summary>
    Task<IReadOnlyList<ForwardResult>?> ForwardBatchAsync(ulong leader, IReadOnlyList<ForwardedWrite> writes);

    /// <summary>The group's members changed: where to reach them now.</summary>
    void MembersChanged(IReadOnlyCollection<MemberInfo> members);

    /// <summary>
    /// Sends the files of a state-machine checkpoint in <paramref name="directory"/> to <paramref name="message"/>.To,
    /// then the Snap message itself; completes when the follower has taken the snapshot, throws when it did not.
    /// </summary>
    Task SendSnapshotAsync(string directory, Message message, CancellationToken cancellationToken);
}
