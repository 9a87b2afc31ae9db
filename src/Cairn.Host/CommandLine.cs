using System.CommandLine;

namespace Cairn.Host;

/// <summary>The cairn-server flags; each overrides the file and the environment.</summary>
public sealed class CommandLine
{
    public Option<string?> Config { get; } = new("--config", "-c") { Description = "TOML configuration file (env CAIRN_CONFIG)" };

    public Option<string?> Bind { get; } = new("--bind") { Description = "Address to listen on for RESP clients (default 127.0.0.1)" };

    public Option<string?> Port { get; } = new("--port", "-p") { Description = "RESP port (default 6379; 0 picks a free port)" };

    public Option<string?> HttpAddr { get; } = new("--http-addr") { Description = "HTTP API address, host:port or off (default: RESP bind address, port 8080)" };

    public Option<string?> HttpPort { get; } = new("--http-port") { Description = "HTTP API port (default 8080; 0 picks a free port; off disables)" };

    public Option<string?> GrpcAddr { get; } = new("--grpc-addr") { Description = "gRPC API address (HTTP/2, no TLS), host:port or off (default: RESP bind address, port 50051)" };

    public Option<string?> GrpcPort { get; } = new("--grpc-port") { Description = "gRPC API port (default 50051; 0 picks a free port; off disables)" };

    public Option<string?> DataDir { get; } = new("--data-dir", "-d") { Description = "Data directory (default ./data)" };

    public Option<string?> NodeId { get; } = new("--node-id") { Description = "Stable node id (default: stored in the data directory, created on first start)" };

    public Option<string?> LogLevel { get; } = new("--log-level") { Description = "trace, debug, info, warn, error or off (default info)" };

    public Option<string?> RaftAddr { get; } = new("--raft-addr") { Description = "Peer (Raft) address to listen on (default: RESP bind address, port + 10000)" };

    public Option<string?> AdvertiseAddr { get; } = new("--advertise-addr") { Description = "Peer address other nodes reach this one at (default: --raft-addr)" };

    public Option<string?> ClusterSecretFile { get; } = new("--cluster-secret-file") { Description = "File holding the secret peers must prove they hold (default: none, peers from loopback only)" };

    public Option<bool?> Bootstrap { get; } = new("--bootstrap") { Description = "Start a new cluster if the data directory is empty (default: yes unless --join is given)" };

    public Option<string[]> Join { get; } = new("--join") { Description = "Raft address of a member to join through when the data directory is empty (repeatable, or comma-separated)", AllowMultipleArgumentsPerToken = true };

    /// <summary>A one-off action, not configuration: it has no file or environment form.</summary>
    public Option<bool> RepairWal { get; } = new("--repair-wal") { Description = "Start even if the Raft log is damaged: cut it at the damage and report what is dropped (see docs/operations.md first)" };

    public RootCommand Root { get; }

    public CommandLine()
    {
        Root = new RootCommand("cairn-server: a Raft-replicated, Redis-compatible key-value database");
        foreach (var option in new Option[] { Config, Bind, Port, HttpAddr, HttpPort, GrpcAddr, GrpcPort, DataDir, NodeId, LogLevel, RaftAddr, AdvertiseAddr, ClusterSecretFile, Bootstrap, Join, RepairWal })
        {
            Root.Options.Add(option);
        }
    }

    /// <summary>Merges defaults, file, environment and flags, in that order of precedence (last wins).</summary>
    public CairnConfig Resolve(ParseResult parsed, Func<string, string?> environment)
    {
        var config = new CairnConfig();
        var file = parsed.GetValue(Config) ?? environment("CAIRN_CONFIG");
        if (!string.IsNullOrEmpty(file))
        {
            config = TomlConfigFile.Apply(config, file);
        }
        config = EnvironmentConfig.Apply(config, environment);
        if (parsed.GetValue(NodeId) is { } nodeId)
        {
            config = config with { NodeId = nodeId };
        }
        if (parsed.GetValue(Bind) is { } bind)
        {
            config = config with { Bind = CairnConfig.ParseAddress(bind, "--bind") };
        }
        if (parsed.GetValue(Port) is { } port)
        {
            config = config with { Port = CairnConfig.ParsePort(port, "--port") };
        }
        if (parsed.GetValue(HttpAddr) is { } httpAddr)
        {
            config = config with { HttpAddress = httpAddr };
        }
        if (parsed.GetValue(HttpPort) is { } httpPort)
        {
            config = config.WithApiPort(httpPort, grpc: false, "--http-port");
        }
        if (parsed.GetValue(GrpcAddr) is { } grpcAddr)
        {
            config = config with { GrpcAddress = grpcAddr };
        }
        if (parsed.GetValue(GrpcPort) is { } grpcPort)
        {
            config = config.WithApiPort(grpcPort, grpc: true, "--grpc-port");
        }
        if (parsed.GetValue(DataDir) is { } dataDir)
        {
            config = config with { DataPath = dataDir };
        }
        if (parsed.GetValue(LogLevel) is { } level)
        {
            config = config with { LogLevel = level };
        }
        if (parsed.GetValue(RaftAddr) is { } raftAddr)
        {
            config = config with { RaftAddress = raftAddr };
        }
        if (parsed.GetValue(AdvertiseAddr) is { } advertise)
        {
            config = config with { AdvertiseAddress = advertise };
        }
        if (parsed.GetValue(ClusterSecretFile) is { } secretFile)
        {
            config = config with { ClusterSecretFile = secretFile };
        }
        if (parsed.GetValue(Bootstrap) is { } bootstrap)
        {
            config = config with { Bootstrap = bootstrap };
        }
        if (parsed.GetValue(Join) is { Length: > 0 } join)
        {
            config = config with { Join = join.SelectMany(j => j.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() };
        }
        config.Validate();
        return config;
    }
}
