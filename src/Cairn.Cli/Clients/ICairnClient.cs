namespace Cairn.Cli.Clients;

/// <summary>A stored value as the CLI shows it. Revision and expiry are unknown (null) over RESP.</summary>
public sealed record KvValue(byte[] Key, byte[] Value, long? Revision, DateTimeOffset? ExpiresAt);

/// <summary>A page of keys; <see cref="Cursor"/> continues it (null: no more).</summary>
public sealed record KeyList(IReadOnlyList<KvValue> Items, string? Cursor);

public sealed record WatchChange(long Revision, string Type, byte[] Key, byte[]? Value);

public sealed record MemberRow(string Id, string Role, string State, string RaftAddress, string RespAddress, long? Match, long? Lag);

public sealed record ClusterStatus(string Node, string Role, long Term, string? Leader, long CommitIndex, long AppliedIndex, IReadOnlyList<MemberRow> Members);

public sealed record Health(bool Live, bool Ready, string Node, string Role, string? Leader, string? Reason);

/// <summary>
/// What the CLI asks of a node, over one protocol. Methods a protocol cannot serve throw
/// <see cref="CliException"/> naming the protocol that can.
/// </summary>
public interface ICairnClient : IAsyncDisposable
{
    /// <summary>The server this client talks to (host:port).</summary>
    string Server { get; }

    Task<KvValue?> GetAsync(byte[] key, bool stale, CancellationToken cancellationToken);

    /// <summary>Stores a value; the new revision when the protocol reports it.</summary>
    Task<long?> PutAsync(byte[] key, byte[] value, long ttlSeconds, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(byte[] key, CancellationToken cancellationToken);

    Task<KeyList> ListAsync(byte[] prefix, int limit, string? cursor, bool withValues, CancellationToken cancellationToken);

    IAsyncEnumerable<WatchChange> WatchAsync(byte[] prefix, long fromRevision, CancellationToken cancellationToken);

    Task<ClusterStatus> ClusterAsync(CancellationToken cancellationToken);

    Task AddMemberAsync(string id, string raftAddress, bool stayLearner, CancellationToken cancellationToken);

    Task RemoveMemberAsync(string id, CancellationToken cancellationToken);

    Task<Health> HealthAsync(CancellationToken cancellationToken);
}

/// <summary>An error to show the user as is (the server's words, or ours), with exit code 1.</summary>
public sealed class CliException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server could not be reached (or went away): another server may be tried.</summary>
public sealed class UnreachableException(string server, Exception inner)
    : Exception($"cannot reach {server}: {inner.Message}", inner)
{
    public string Server { get; } = server;
}
