using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Cairn.Resp;

namespace Cairn.Cli.Clients;

/// <summary>The CLI over RESP: the commands any Redis client would send, plus RAFT.* for the cluster.</summary>
public sealed class RespCairnClient(string server, TimeSpan timeout) : ICairnClient
{
    private RespConnection? _connection;

    public string Server { get; } = server;

    private async Task<RespConnection> ConnectionAsync(CancellationToken cancellationToken) =>
        _connection ??= await RespConnection.ConnectAsync(Server, timeout, cancellationToken);

    /// <summary>Sends a raw command (the REPL's pass-through).</summary>
    public async Task<RespValue> CallAsync(IReadOnlyList<byte[]> args, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        try
        {
            return await Task.Run(() => connection.Call(args), cancellationToken);
        }
        catch (UnreachableException)
        {
            _connection?.Dispose();
            _connection = null;
            throw;
        }
    }

    private async Task<RespValue> CheckedAsync(CancellationToken cancellationToken, params object[] args)
    {
        var reply = await CallAsync(args.Select(a => a as byte[] ?? Encoding.UTF8.GetBytes(Convert.ToString(a, CultureInfo.InvariantCulture)!)).ToArray(), cancellationToken);
        return reply.IsError ? throw new CliException(reply.Text!) : reply;
    }

    public async Task<KvValue?> GetAsync(byte[] key, bool stale, CancellationToken cancellationToken)
    {
        if (stale)
        {
            await CheckedAsync(cancellationToken, "READONLY");
        }
        var reply = await CheckedAsync(cancellationToken, "GET", key);
        if (stale)
        {
            await CheckedAsync(cancellationToken, "READWRITE");
        }
        if (reply.Kind == RespKind.Null)
        {
            return null;
        }
        var ttl = (await CheckedAsync(cancellationToken, "PEXPIRETIME", key)).Integer;
        return new KvValue(key, reply.Bytes!, null, ttl > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ttl) : null);
    }

    public async Task<long?> PutAsync(byte[] key, byte[] value, long ttlSeconds, CancellationToken cancellationToken)
    {
        if (ttlSeconds > 0)
        {
            await CheckedAsync(cancellationToken, "SET", key, value, "EX", ttlSeconds);
        }
        else
        {
            await CheckedAsync(cancellationToken, "SET", key, value);
        }
        return null;
    }

    public async Task<bool> DeleteAsync(byte[] key, CancellationToken cancellationToken) =>
        (await CheckedAsync(cancellationToken, "DEL", key)).Integer > 0;

    /// <summary>SCAN with MATCH prefix*: keys come in hash order; the cursor is SCAN's.</summary>
    public async Task<KeyList> ListAsync(byte[] prefix, int limit, string? cursor, bool withValues, CancellationToken cancellationToken)
    {
        var pattern = GlobEscape(prefix).Concat("*"u8.ToArray()).ToArray();
        var next = cursor ?? "0";
        var keys = new List<byte[]>();
        do
        {
            var reply = await CheckedAsync(cancellationToken, "SCAN", next, "MATCH", pattern, "COUNT", Math.Max(limit, 10));
            next = reply.Items![0].AsText();
            keys.AddRange(reply.Items[1].Items!.Select(k => k.Bytes!));
        }
        while (next != "0" && keys.Count < limit);
        var items = new List<KvValue>();
        foreach (var key in keys)
        {
            if (!withValues)
            {
                items.Add(new KvValue(key, [], null, null));
            }
            else if (await GetAsync(key, stale: false, cancellationToken) is { } value)
            {
                items.Add(value);
            }
        }
        return new KeyList(items, next == "0" ? null : next);
    }

    public IAsyncEnumerable<WatchChange> WatchAsync(byte[] prefix, long fromRevision, CancellationToken cancellationToken) =>
        throw new CliException("watch streams over gRPC: use --protocol grpc (the default for watch)");

    public async Task<ClusterStatus> ClusterAsync(CancellationToken cancellationToken)
    {
        var info = Fields((await CheckedAsync(cancellationToken, "RAFT.INFO")).AsText());
        var members = info.Where(f => f.Key.StartsWith("node", StringComparison.Ordinal) && f.Value.Contains("raft_addr=", StringComparison.Ordinal))
            .Select(f => f.Value.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]))
            .Select(m => new MemberRow(
                m.GetValueOrDefault("id", "?"),
                m.GetValueOrDefault("voting") == "yes" ? "voter" : "learner",
                m.GetValueOrDefault("state", "unknown"),
                m.GetValueOrDefault("raft_addr", ""),
                m.GetValueOrDefault("addr", ""),
                long.TryParse(m.GetValueOrDefault("match"), out var match) ? match : null,
                long.TryParse(m.GetValueOrDefault("lag"), out var lag) ? lag : null))
            .ToList();
        return new ClusterStatus(
            info.GetValueOrDefault("node_id", "?"),
            info.GetValueOrDefault("role", "?"),
            long.Parse(info.GetValueOrDefault("current_term", "0"), CultureInfo.InvariantCulture),
            info.GetValueOrDefault("leader_id") is { } leader && leader != "-" && leader.Length > 0 ? leader : null,
            long.Parse(info.GetValueOrDefault("commit_index", "0"), CultureInfo.InvariantCulture),
            long.Parse(info.GetValueOrDefault("last_applied_index", "0"), CultureInfo.InvariantCulture),
            members);
    }

    public async Task AddMemberAsync(string id, string raftAddress, bool stayLearner, CancellationToken cancellationToken) =>
        await (stayLearner
            ? CheckedAsync(cancellationToken, "RAFT.NODE", "ADD", id, raftAddress, "LEARNER")
            : CheckedAsync(cancellationToken, "RAFT.NODE", "ADD", id, raftAddress));

    public async Task RemoveMemberAsync(string id, CancellationToken cancellationToken) =>
        await CheckedAsync(cancellationToken, "RAFT.NODE", "REMOVE", id);

    public async Task<Health> HealthAsync(CancellationToken cancellationToken)
    {
        var status = await ClusterAsync(cancellationToken);
        var reason = status.Role == "uninitialized" ? "not a member of a cluster yet"
            : status.Leader is null ? "no leader"
            : status.AppliedIndex < status.CommitIndex ? $"catching up: applied {status.AppliedIndex} of {status.CommitIndex} committed"
            : null;
        return new Health(true, reason is null, status.Node, status.Role, status.Leader, reason);
    }

    private static Dictionary<string, string> Fields(string info)
    {
        var fields = new Dictionary<string, string>();
        foreach (var line in info.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[0] != '#')
            {
                fields[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
            }
        }
        return fields;
    }

    private static IEnumerable<byte> GlobEscape(byte[] prefix)
    {
        foreach (var b in prefix)
        {
            if (b is (byte)'*' or (byte)'?' or (byte)'[' or (byte)']' or (byte)'\\')
            {
                yield return (byte)'\\';
            }
            yield return b;
        }
    }

    public ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        return ValueTask.CompletedTask;
    }
}
