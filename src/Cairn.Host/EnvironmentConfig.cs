using System.Globalization;

namespace Cairn.Host;

/// <summary>CAIRN_* environment variables, applied over the file and under the flags.</summary>
public static class EnvironmentConfig
{
    public static CairnConfig Apply(CairnConfig config, Func<string, string?> get)
    {
        string? Value(string name) => get(name) is { Length: > 0 } value ? value : null;

        if (Value("CAIRN_NODE_ID") is { } nodeId)
        {
            config = config with { NodeId = nodeId };
        }
        if (Value("CAIRN_SERVER_ADDR") is { } serverAddr)
        {
            config = config.WithServerAddress(serverAddr, "CAIRN_SERVER_ADDR");
        }
        if (Value("CAIRN_BIND") is { } bind)
        {
            config = config with { Bind = CairnConfig.ParseAddress(bind, "CAIRN_BIND") };
        }
        if (Value("CAIRN_PORT") is { } port)
        {
            config = config with { Port = CairnConfig.ParsePort(port, "CAIRN_PORT") };
        }
        if (Value("CAIRN_HTTP_ADDR") is { } httpAddr)
        {
            config = config with { HttpAddress = httpAddr };
        }
        if (Value("CAIRN_HTTP_PORT") is { } httpPort)
        {
            config = config.WithApiPort(httpPort, grpc: false, "CAIRN_HTTP_PORT");
        }
        if (Value("CAIRN_GRPC_ADDR") is { } grpcAddr)
        {
            config = config with { GrpcAddress = grpcAddr };
        }
        if (Value("CAIRN_GRPC_PORT") is { } grpcPort)
        {
            config = config.WithApiPort(grpcPort, grpc: true, "CAIRN_GRPC_PORT");
        }
        if (Value("CAIRN_DATA_DIR") is { } dataDir)
        {
            config = config with { DataPath = dataDir };
        }
        if (Value("CAIRN_MAX_OPEN_FILES") is { } maxOpenFiles)
        {
            config = config with
            {
                MaxOpenFiles = int.TryParse(maxOpenFiles, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw new ConfigException($"CAIRN_MAX_OPEN_FILES must be an integer, got '{maxOpenFiles}'"),
            };
        }
        if (Value("CAIRN_CACHE_SIZE") is { } cacheSize)
        {
            config = config with
            {
                RecordCacheBytes = Cairn.Server.ServerConfig.TryParseMemory(cacheSize, out var bytes)
                    ? bytes
                    : throw new ConfigException($"CAIRN_CACHE_SIZE must be a size like 256mb, got '{cacheSize}'"),
            };
        }
        if (Value("CAIRN_RAFT_ADDR") is { } raftAddr)
        {
            config = config with { RaftAddress = raftAddr };
        }
        if (Value("CAIRN_ADVERTISE_ADDR") is { } advertise)
        {
            config = config with { AdvertiseAddress = advertise };
        }
        if (Value("CAIRN_CLUSTER_SECRET_FILE") is { } secretFile)
        {
            config = config with { ClusterSecretFile = secretFile };
        }
        if (Value("CAIRN_BOOTSTRAP") is { } bootstrap)
        {
            config = config with
            {
                Bootstrap = bootstrap.ToLowerInvariant() switch
                {
                    "1" or "true" or "yes" => true,
                    "0" or "false" or "no" => false,
                    _ => throw new ConfigException($"CAIRN_BOOTSTRAP must be true or false, got '{bootstrap}'"),
                },
            };
        }
        if (Value("CAIRN_JOIN") is { } join)
        {
            config = config with { Join = join.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
        }
        if (Value("CAIRN_SNAPSHOT_ENTRIES") is { } snapshotEntries)
        {
            config = config with { SnapshotEntries = Count("CAIRN_SNAPSHOT_ENTRIES", snapshotEntries, 1) };
        }
        if (Value("CAIRN_SNAPSHOT_CATCHUP_ENTRIES") is { } catchUp)
        {
            config = config with { SnapshotCatchUpEntries = Count("CAIRN_SNAPSHOT_CATCHUP_ENTRIES", catchUp, 0) };
        }
        if (Value("CAIRN_CORRUPTION_CHECK_INTERVAL") is { } checkInterval)
        {
            config = config with { CorruptionCheckIntervalMs = Count("CAIRN_CORRUPTION_CHECK_INTERVAL", checkInterval, 0) };
        }
        if (Value("CAIRN_LOG_LEVEL") is { } level)
        {
            config = config with { LogLevel = level };
        }
        return config;
    }

    private static long Count(string name, string text, long min) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ConfigException($"{name} must be a whole number of at least {min}, got '{text}'");
}
