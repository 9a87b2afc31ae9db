namespace Cairn.Replication;

/// <summary>Settings of one replicated group on this node.</summary>
public sealed record RaftGroupOptions
{
    public required ulong GroupId { get; init; }

    public required ulong NodeId { get; init; }

    /// <summary>Length of one Raft tick. Election timeout = ElectionTicks × this (randomized up to twice that).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>10 ticks of 100 ms: a leader is replaced 1–2 s after it goes silent, not for a busy machine's hiccup.</summary>
    public int ElectionTicks { get; init; } = 10;

    public int HeartbeatTicks { get; init; } = 1;

    /// <summary>Voters to start an empty group with (bootstrap); empty to wait to be added to an existing group.</summary>
    public IReadOnlyList<ulong> InitialVoters { get; init; } = [];

    /// <summary>Most commands proposed in one batch (one log append, one fsync).</summary>
    public int MaxBatch { get; init; } = 4096;
}

/// <summary>Delivers a group's outgoing messages to peers (none for a single-node group).</summary>
public interface IRaftTransport
{
    /// <summary>Sends messages; called after the entries and hard state they depend on are durable. Must not block.</summary>
    void Send(IReadOnlyList<Cairn.Raft.Message> messages);
}
