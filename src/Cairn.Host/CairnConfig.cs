using System.Globalization;
using System.Net;
using Cairn.Server;
using Cairn.Storage.RocksDb;

namespace Cairn.Host;

/// <summary>
/// The settings a node starts with, as merged from defaults, the TOML file, CAIRN_* environment
/// variables and command-line flags (later sources win). See docs/configuration.md.
/// </summary>
public sealed record CairnConfig
{
    private static readonly RocksOptions RocksDefaults = new();

    public string? ConfigFile { get; init; }

    /// <summary>Empty = use the id stored in the data directory, or create one there.</summary>
    public string NodeId { get; init; } = "";

    public IPAddress Bind { get; init; } = IPAddress.Loopback;

    public int Port { get; init; } = 6379;

    public string DataPath { get; init; } = "./data";

    // RocksDB's knobs default to what the storage layer defaults to: one place to change them.
    public int MaxOpenFiles { get; init; } = RocksDefaults.MaxOpenFiles;

    public long BlockCacheBytes { get; init; } = RocksDefaults.BlockCacheBytes;

    public long WriteBufferBytes { get; init; } = RocksDefaults.WriteBufferBytes;

    /// <summary>Committed records kept in memory for reads, in front of RocksDB; 0 = none.</summary>
    public long RecordCacheBytes { get; init; } = 256L * 1024 * 1024;

    public string LogLevel { get; init; } = "info";

    /// <summary>Redis's notify-keyspace-events classes ("" = none, Redis's default): which keyspace notifications this node publishes.</summary>
    public string NotifyKeyspaceEvents { get; init; } = "";

    public long ProtoMaxBulkLength { get; init; } = 512L * 1024 * 1024;

    public long ClientQueryBufferLimit { get; init; } = 1024L * 1024 * 1024;

    public int MaxClients { get; init; } = 10000;

    /// <summary>HTTP and gRPC calls served at once (watches aside); as many more wait, the rest get 503.</summary>
    public int HttpMaxConcurrentRequests { get; init; } = 512;

    /// <summary>Bytes of request headers an HTTP or gRPC call may send (Kestrel's default); more gets 431.</summary>
    public long HttpMaxRequestHeadersBytes { get; init; } = 32 * 1024;

    /// <summary>Where the peer port listens ("host:port"); null = the RESP bind address, RESP port + 10000 (0 when the RESP port is 0).</summary>
    public string? RaftAddress { get; init; }

    /// <summary>The address peers are told to reach this node at; null = <see cref="RaftAddress"/> as bound.</summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary>
    /// A file holding the cluster secret every peer must prove it holds (its content, whitespace trimmed, at least
    /// 16 bytes); null = none: the peer port then takes connections from loopback only.
    /// </summary>
    public string? ClusterSecretFile { get; init; }

    /// <summary>Shortest cluster secret taken: 16 bytes (128 bits when random).</summary>
    public const int MinClusterSecretBytes = 16;

    /// <summary>
    /// The cluster secret from <see cref="ClusterSecretFile"/>, or null when none is configured. A node that
    /// bootstraps a new cluster (<paramref name="freshBootstrap"/>: it will, and its data directory holds no node
    /// yet) makes the file when it does not exist: 32 random bytes in hex, readable by its owner only, for the
    /// operator to copy to every node that joins. Any other node needs the file to exist.
    /// </summary>
    public byte[]? ReadClusterSecret(bool freshBootstrap, out bool generated)
    {
        generated = false;
        if (ClusterSecretFile is null)
        {
            return null;
        }
        if (freshBootstrap && !File.Exists(ClusterSecretFile))
        {
            generated = TryCreateSecretFile(ClusterSecretFile);
        }
        string text;
        try
        {
            text = File.ReadAllText(ClusterSecretFile).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cluster secret file '{ClusterSecretFile}': {ex.Message}");
        }
        var secret = System.Text.Encoding.UTF8.GetBytes(text);
        if (secret.Length < MinClusterSecretBytes)
        {
            throw new ConfigException($"cluster secret file '{ClusterSecretFile}' holds {secret.Length} bytes; at least {MinClusterSecretBytes} are needed (e.g. openssl rand -hex 32)");
        }
        return secret;
    }

    /// <summary>Writes a new random secret unless the file appeared meanwhile (then that one is used).</summary>
    private static bool TryCreateSecretFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var file = new FileStream(path, options);
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n"));
            file.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cluster secret file '{path}' does not exist and cannot be created: {ex.Message}");
        }
    }

    /// <summary>Start a new one-member cluster when the data directory is empty; null = yes unless <see cref="Join"/> is set.</summary>
    public bool? Bootstrap { get; init; }

    /// <summary>Raft addresses of existing members to ask for admission when the data directory is empty.</summary>
    public IReadOnlyList<string> Join { get; init; } = [];

    /// <summary>How long followers wait without hearing from a leader before electing a new one (randomized up to twice this).</summary>
    public int ElectionTimeoutMs { get; init; } = 1000;

    public int HeartbeatIntervalMs { get; init; } = 100;

    /// <summary>How long a request may wait for a leader, a commit or a read index before it fails with an error.</summary>
    public int RequestTimeoutMs { get; init; } = 5000;

    /// <summary>Entries applied between automatic snapshots (each compacts the log behind it).</summary>
    public long SnapshotEntries { get; init; } = 10_000;

    /// <summary>Entries kept in the log behind a snapshot for followers that are a little behind.</summary>
    public long SnapshotCatchUpEntries { get; init; } = 5_000;

    /// <summary>How often the leader compares the members' digests (RAFT.CHECK), in ms; 0 = only on demand.</summary>
    public long CorruptionCheckIntervalMs { get; init; } = 600_000;

    /// <summary>HTTP API address ("host:port", or "off"); null = the RESP bind address, port 8080 (0 when the RESP port is 0).</summary>
    public string? HttpAddress { get; init; }

    /// <summary>Overrides the port of <see cref="HttpAddress"/> (--http-port).</summary>
    public int? HttpPort { get; init; }

    /// <summary>gRPC API address ("host:port", or "off"); null = the RESP bind address, port 50051 (0 when the RESP port is 0).</summary>
    public string? GrpcAddress { get; init; }

    /// <summary>Overrides the port of <see cref="GrpcAddress"/> (--grpc-port).</summary>
    public int? GrpcPort { get; init; }

    public bool ShouldBootstrap => Bootstrap ?? Join.Count == 0;

    public const int DefaultHttpPort = 8080;

    public const int DefaultGrpcPort = 50051;

    /// <summary>Where the HTTP API listens, after defaults; null when it is off.</summary>
    public IPEndPoint? HttpListen() => ApiListen(HttpAddress, HttpPort, DefaultHttpPort, "http_addr");

    /// <summary>Where the gRPC API listens (HTTP/2 without TLS), after defaults; null when it is off.</summary>
    public IPEndPoint? GrpcListen() => ApiListen(GrpcAddress, GrpcPort, DefaultGrpcPort, "grpc_addr");

    private IPEndPoint? ApiListen(string? address, int? portOverride, int defaultPort, string what)
    {
        if (string.Equals(address, "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var (host, port) = (Bind, Port == 0 ? 0 : defaultPort);
        if (address is not null)
        {
            var colon = address.LastIndexOf(':');
            (host, port) = (ParseAddress(address[..colon].Trim('[', ']'), what), ParsePort(address[(colon + 1)..], what));
        }
        return new IPEndPoint(host, portOverride ?? port);
    }

    /// <summary>An API port flag or variable: a port, or <c>off</c> to turn that API off.</summary>
    public CairnConfig WithApiPort(string value, bool grpc, string source)
    {
        if (string.Equals(value.Trim(), "off", StringComparison.OrdinalIgnoreCase))
        {
            return grpc ? this with { GrpcAddress = "off", GrpcPort = null } : this with { HttpAddress = "off", HttpPort = null };
        }
        var port = ParsePort(value, source);
        return grpc ? this with { GrpcPort = port } : this with { HttpPort = port };
    }

    /// <summary>The peer listen address, after defaults.</summary>
    public (IPAddress Address, int Port) RaftListen()
    {
        if (RaftAddress is null)
        {
            return (Bind, Port == 0 ? 0 : Port + 10000);
        }
        var colon = RaftAddress.LastIndexOf(':');
        return (ParseAddress(RaftAddress[..colon].Trim('[', ']'), "raft address"), ParsePort(RaftAddress[(colon + 1)..], "raft address"));
    }

    public CairnConfig WithServerAddress(string value, string source)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ConfigException($"{source}: server_addr must be host:port, got '{value}'");
        }
        return this with { Bind = ParseAddress(value[..colon].Trim('[', ']'), source), Port = port };
    }

    public static IPAddress ParseAddress(string text, string source)
    {
        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }
        if (text is "*" or "")
        {
            return IPAddress.Any;
        }
        return IPAddress.TryParse(text, out var address)
            ? address
            : throw new ConfigException($"{source}: '{text}' is not an IP address");
    }

    public static int ParsePort(string text, string source) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new ConfigException($"{source}: port must be a number from 0 to 65535, got '{text}'");

    public void Validate()
    {
        if (StateMachine.KeyspaceEventFlags.Parse(NotifyKeyspaceEvents) is null)
        {
            throw new ConfigException($"notify_keyspace_events: invalid event class character in '{NotifyKeyspaceEvents}'; use 'Ag$lshzxeKEtmdn'");
        }
        if (!LogLevelSwitch.TryParse(LogLevel, out _))
        {
            throw new ConfigException($"log level must be one of trace, debug, info, warn, error, off; got '{LogLevel}'");
        }
        if (MaxOpenFiles is < -1 or 0)
        {
            throw new ConfigException($"max_open_files must be -1 (unlimited) or positive, got {MaxOpenFiles}");
        }
        if (RaftAddress is not null)
        {
            CheckHostPort(RaftAddress, "raft address");
            RaftListen();
        }
        else if (Port + 10000 > 65535)
        {
            throw new ConfigException($"the peer port defaults to the RESP port + 10000, and {Port} + 10000 is past 65535: set the raft address ([raft] address, --raft-addr)");
        }
        if (AdvertiseAddress is not null)
        {
            CheckHostPort(AdvertiseAddress, "advertise_addr");
        }
        foreach (var (address, what) in new[] { (HttpAddress, "http_addr"), (GrpcAddress, "grpc_addr") })
        {
            if (address is not null && !string.Equals(address, "off", StringComparison.OrdinalIgnoreCase))
            {
                CheckHostPort(address, what);
            }
        }
        HttpListen();
        GrpcListen();
        foreach (var peer in Join)
        {
            CheckHostPort(peer, "join");
        }
        if (Bootstrap == true && Join.Count > 0)
        {
            throw new ConfigException("bootstrap and join are exclusive: a node either starts a new cluster or joins one");
        }
        if (HeartbeatIntervalMs <= 0 || ElectionTimeoutMs < 2 * HeartbeatIntervalMs)
        {
            throw new ConfigException($"election timeout ({ElectionTimeoutMs} ms) must be at least twice the heartbeat interval ({HeartbeatIntervalMs} ms), which must be positive");
        }
        if (RequestTimeoutMs <= 0)
        {
            throw new ConfigException($"request timeout must be positive, got {RequestTimeoutMs} ms");
        }
        if (NodeId.Length > 0 && !NodeIdentity.IsValid(NodeId))
        {
            throw new ConfigException($"node_id may hold only letters, digits, '-', '_' and '.', at most 64 characters; got '{NodeId}'");
        }
    }

    private static void CheckHostPort(string value, string what)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ConfigException($"{what} must be host:port, got '{value}'");
        }
    }

    public ServerOptions ToServerOptions(string nodeId) => new()
    {
        NodeId = nodeId,
        BindAddress = Bind,
        Port = Port,
        DataDirectory = DataPath,
        ConfigFile = ConfigFile,
        MaxOpenFiles = MaxOpenFiles,
        ProtoMaxBulkLength = ProtoMaxBulkLength,
        ClientQueryBufferLimit = ClientQueryBufferLimit,
        MaxClients = MaxClients,
        LogLevel = LogLevel,
        NotifyKeyspaceEvents = NotifyKeyspaceEvents,
    };

    public override string ToString() =>
        $"node_id={NodeId} server_addr={Bind}:{Port} data_path={Path.GetFullPath(DataPath)} max_open_files={MaxOpenFiles} " +
        $"log_level={LogLevel} notify_keyspace_events={NotifyKeyspaceEvents} proto_max_bulk_len={ProtoMaxBulkLength} client_query_buffer_limit={ClientQueryBufferLimit} " +
        $"maxclients={MaxClients} cache_size={RecordCacheBytes} raft_addr={RaftAddress ?? "(default)"} advertise_addr={AdvertiseAddress ?? "(default)"} cluster_secret_file={ClusterSecretFile ?? "(none)"} " +
        $"bootstrap={ShouldBootstrap} join=[{string.Join(",", Join)}] election_timeout={ElectionTimeoutMs}ms heartbeat_interval={HeartbeatIntervalMs}ms " +
        $"http_addr={HttpListen()?.ToString() ?? "off"} grpc_addr={GrpcListen()?.ToString() ?? "off"} snapshot_entries={SnapshotEntries} snapshot_catchup_entries={SnapshotCatchUpEntries} corruption_check_interval={CorruptionCheckIntervalMs}ms " +
        $"request_timeout={RequestTimeoutMs}ms config={ConfigFile ?? "(none)"}";
}
