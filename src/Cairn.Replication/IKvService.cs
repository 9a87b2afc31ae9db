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

    /// <summary>A point-in-time view for INFO, metrics and health.</summary>
    KvServiceStatus GetStatus();
}

/// <summary>What an operator sees of the replication layer.</summary>
public sealed record KvServiceStatus
{
    public required string Role { get; init; }

    public required long AppliedIndex { get; init; }

    public required long KeyCount { get; init; }

    public required long ExpiresCount { get; init; }

    /// <summary>Engine writes (one fsync each) since start.</summary>
    public required long WriteBatches { get; init; }

    /// <summary>Commands written since start; divided by <see cref="WriteBatches"/>, the mean group-commit size.</summary>
    public required long WriteCommands { get; init; }

    /// <summary>Keys deleted by active expiry since start.</summary>
    public required long ExpiredKeys { get; init; }

    public required double LastWriteMilliseconds { get; init; }

    /// <summary>The last write failure (e.g. a full disk), or null after a successful write.</summary>
    public string? LastWriteError { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> EngineStats { get; init; }
}
