using Cairn.StateMachine;

namespace Cairn.Replication;

public enum ReadConsistency
{
    /// <summary>Reflects every write acknowledged before the read began (ReadIndex in a cluster).</summary>
    Linearizable,

    /// <summary>Local state, possibly behind the leader (READONLY connections, stale=true on HTTP).</summary>
    Stale,
}

/// <summary>
/// The façade the server and API layers use. A completed write is durable (in the fsynced log of
/// a majority; for a single node, in the synced local store) and applied; its reply is the one
/// the state machine computed. Writes submitted by one caller without awaiting in between are
/// applied in submission order.
/// </summary>
public interface IKvService
{
    ValueTask<KvReply> WriteAsync(KvCommand command, CancellationToken cancellationToken = default);

    ValueTask<KvReply> ReadAsync(KvCommand command, ReadConsistency consistency, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes to keys starting with <paramref name="prefix"/> (and FLUSHALLs), in commit order, from
    /// <paramref name="startRevision"/> on (0: from the next change), as this node applies them; runs until
    /// cancelled. Each batch holds whole revisions (never part of one). Throws
    /// <see cref="WatchCompactedException"/> when that history is no longer kept.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<KvEvent>> WatchAsync(ReadOnlyMemory<byte> prefix, long startRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// The messages each batch this node applies published (PUBLISH, SPUBLISH), in log order, each once: every node
    /// hands every message of the entries it applies to its own subscribers. Raised on the applying thread once the
    /// batch is durable and before its writers hear their replies, so a handler must only queue; it must not throw.
    /// A node that installs a snapshot skips the messages of the entries the snapshot covers.
    /// </summary>
    event Action<IReadOnlyList<PubSubMessage>>? MessagesPublished;

    /// <summary>
    /// Which keyspace notifications this node's Apply adds to <see cref="MessagesPublished"/> (notify-keyspace-events):
    /// a setting of the node, not of the cluster, as each Redis server has its own.
    /// </summary>
    KeyspaceEvents KeyspaceEvents { get; set; }

    /// <summary>
    /// Whether this node has applied the entry at <paramref name="index"/> (or a snapshot past it) within the request
    /// timeout: what a follower waits for before PUBLISH's reply, so the reply counts the subscribers the message was
    /// handed to here, and a client that subscribes here after the reply does not receive it.
    /// </summary>
    ValueTask<bool> WaitForAppliedAsync(long index);

    /// <summary>
    /// Late replies for this node's blocked clients (served, timed out, unblocked), as this node applies the entries
    /// that produce them; raised on the applying thread: a handler must only hand them over. One marked in flight
    /// must be acknowledged (<see cref="BlockingOp.Ack"/>) once written to its client, or it goes back when the
    /// client's wait is ended (<see cref="BlockingOp.Unblock"/>) or this node restarts.
    /// </summary>
    event Action<IReadOnlyList<UnblockedClient>>? ClientsUnblocked;

    /// <summary>Who a blocking command of this node's client <paramref name="token"/> waits as (this node, this process).</summary>
    BlockOwner BlockOwner(ulong token);

    /// <summary>A point-in-time view for INFO, metrics and health.</summary>
    KvServiceStatus GetStatus();

    /// <summary>The replication group as this node sees it (RAFT.INFO, ROLE, INFO replication).</summary>
    GroupStatus Cluster { get; }

    /// <summary>Makes this node, a member of nothing yet, a one-member cluster (RAFT.CLUSTER INIT).</summary>
    Task<KvReply> InitClusterAsync();

    /// <summary>Asks a member at one of <paramref name="raftAddresses"/> to add this node (RAFT.CLUSTER JOIN).</summary>
    Task<KvReply> JoinClusterAsync(IReadOnlyList<string> raftAddresses, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a node as a learner, promoted to voter once caught up (RAFT.NODE ADD); with
    /// <paramref name="stayLearner"/> it stays a learner (receives the log, serves reads, never votes).
    /// </summary>
    Task<KvReply> AddNodeAsync(string name, string raftAddress, bool stayLearner = false);

    /// <summary>Removes a member, named by its node id or its Raft id (RAFT.NODE REMOVE).</summary>
    Task<KvReply> RemoveNodeAsync(string node);

    /// <summary>
    /// Moves leadership to a voter named by node id or Raft id, or when <paramref name="node"/> is null to the
    /// most caught-up voter (RAFT.TRANSFER_LEADER); OK once this node sees the new leader.
    /// </summary>
    Task<KvReply> TransferLeaderAsync(string? node);

    /// <summary>Takes a snapshot now and compacts the log behind it (RAFT.SNAPSHOT).</summary>
    Task<KvReply> SnapshotAsync();

    /// <summary>The corruption check (RAFT.CHECK): every member's digest of its state at one log index, compared.</summary>
    Task<KvReply> CheckAsync();

    /// <summary>Disarms the corrupt alarm on every member, through the log (RAFT.ALARM DISARM).</summary>
    Task<KvReply> DisarmAlarmAsync();
}

/// <summary>What an operator sees of the replication layer.</summary>
public sealed record KvServiceStatus
{
    /// <summary>As Redis's INFO names roles: "master" on every node, since every node accepts writes.</summary>
    public required string Role { get; init; }

    public required long AppliedIndex { get; init; }

    /// <summary>The oldest revision a watch may start at (older history is trimmed with the log).</summary>
    public long OldestRevision { get; init; }

    public required long KeyCount { get; init; }

    public required long ExpiresCount { get; init; }

    /// <summary>Engine writes (one fsync each) since start.</summary>
    public required long WriteBatches { get; init; }

    /// <summary>Commands written since start; divided by <see cref="WriteBatches"/>, the mean group-commit size.</summary>
    public required long WriteCommands { get; init; }

    /// <summary>Keys deleted by active expiry since start.</summary>
    public required long ExpiredKeys { get; init; }

    public required double LastWriteMilliseconds { get; init; }

    /// <summary>Bytes the Raft log takes on disk.</summary>
    public long LogBytes { get; init; }

    /// <summary>The last write failure (e.g. a full disk), or null after a successful write.</summary>
    public string? LastWriteError { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> EngineStats { get; init; }

    /// <summary>Peer connections refused since start: the peer did not prove the cluster secret.</summary>
    public long PeersRefused { get; init; }

    /// <summary>Raft messages dropped since start because they named a sender other than the authenticated peer.</summary>
    public long PeerMessagesDropped { get; init; }
}
