namespace Cairn.Raft;

/// <summary>Settings of one node in one group. Times are in ticks; the driver decides how long a tick is.</summary>
public sealed record RaftConfig
{
    public required ulong Id { get; init; }

    public ulong GroupId { get; init; } = 1;

    /// <summary>
    /// Ticks without hearing from a leader before a follower campaigns; the actual timeout is
    /// randomized in [ElectionTicks, 2 × ElectionTicks) to split votes rarely. Must exceed HeartbeatTicks.
    /// </summary>
    public int ElectionTicks { get; init; } = 10;

    public int HeartbeatTicks { get; init; } = 1;

    /// <summary>Index the application has applied up to (on restart); committed entries after it are redelivered.</summary>
    public ulong Applied { get; init; }

    /// <summary>Most bytes of entries in one append message (at least one entry is always sent).</summary>
    public long MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>Most append messages in flight to one follower in Replicate state.</summary>
    public int MaxInflightMessages { get; init; } = 256;

    /// <summary>Thesis §9.6: poll before campaigning, so a partitioned node cannot raise the term and disrupt a healthy leader.</summary>
    public bool PreVote { get; init; } = true;

    /// <summary>Thesis §6.2: a leader steps down when it has not heard from a quorum for an election timeout; followers ignore votes while they have a live leader.</summary>
    public bool CheckQuorum { get; init; } = true;

    public ReadOnlyOption ReadOnly { get; init; } = ReadOnlyOption.Safe;

    /// <summary>Seed for the election timeout randomization: the core has no other source of nondeterminism.</summary>
    public int Seed { get; init; }

    public void Validate()
    {
        if (Id == 0)
        {
            throw new ArgumentException("node id 0 is reserved for 'none'");
        }
        if (HeartbeatTicks <= 0 || ElectionTicks <= HeartbeatTicks)
        {
            throw new ArgumentException("need 0 < HeartbeatTicks < ElectionTicks");
        }
        if (ReadOnly == ReadOnlyOption.LeaseBased && !CheckQuorum)
        {
            throw new ArgumentException("lease-based reads need CheckQuorum");
        }
        if (MaxInflightMessages <= 0)
        {
            throw new ArgumentException("MaxInflightMessages must be positive");
        }
    }
}
