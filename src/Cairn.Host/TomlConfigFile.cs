using Cairn.Server;
using Tomlyn;
using Tomlyn.Model;

namespace Cairn.Host;

/// <summary>
/// Reads the TOML file. Unknown keys and wrong types are errors, so a typo never silently
/// falls back to a default.
/// </summary>
public static class TomlConfigFile
{
    public static CairnConfig Apply(CairnConfig config, string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read config file '{path}': {ex.Message}");
        }
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(text) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new ConfigException($"config file '{path}' is not valid TOML: {ex.Message.Split('\n')[0].Trim()}");
        }
        var reader = new Reader(path);
        config = config with { ConfigFile = path };
        foreach (var (key, value) in root)
        {
            config = key switch
            {
                "node_id" => config with { NodeId = reader.String(key, value) },
                "server_addr" => config.WithServerAddress(reader.String(key, value), $"config file '{path}'"),
                "http_addr" => config with { HttpAddress = reader.String(key, value) },
                "grpc_addr" => config with { GrpcAddress = reader.String(key, value) },
                "rocksdb" => ApplySection(config, reader, key, value, "rocksdb", (c, k, v) => k switch
                {
                    "data_path" => c with { DataPath = reader.String(k, v, "rocksdb") },
                    "max_open_files" => c with { MaxOpenFiles = (int)reader.Integer(k, v, "rocksdb", int.MinValue, int.MaxValue) },
                    "block_cache_size" => c with { BlockCacheBytes = reader.Memory(k, v, "rocksdb") },
                    "write_buffer_size" => c with { WriteBufferBytes = reader.Memory(k, v, "rocksdb") },
                    _ => null,
                }),
                "log" => ApplySection(config, reader, key, value, "log", (c, k, v) => k switch
                {
                    "level" => c with { LogLevel = reader.String(k, v, "log") },
                    _ => null,
                }),
                "limits" => ApplySection(config, reader, key, value, "limits", (c, k, v) => k switch
                {
                    "proto_max_bulk_len" => c with { ProtoMaxBulkLength = reader.Memory(k, v, "limits") },
                    "client_query_buffer_limit" => c with { ClientQueryBufferLimit = reader.Memory(k, v, "limits") },
                    "maxclients" => c with { MaxClients = (int)reader.Integer(k, v, "limits", 1, int.MaxValue) },
                    "http_max_concurrent_requests" => c with { HttpMaxConcurrentRequests = (int)reader.Integer(k, v, "limits", 1, 1_000_000) },
                    "http_max_request_headers_size" => c with { HttpMaxRequestHeadersBytes = reader.Memory(k, v, "limits") },
                    _ => null,
                }),
                "pubsub" => ApplySection(config, reader, key, value, "pubsub", (c, k, v) => k switch
                {
                    "notify_keyspace_events" => c with { NotifyKeyspaceEvents = reader.String(k, v, "pubsub") },
                    _ => null,
                }),
                "cache" => ApplySection(config, reader, key, value, "cache", (c, k, v) => k switch
                {
                    "size" => c with { RecordCacheBytes = reader.Memory(k, v, "cache", allowZero: true) },
                    _ => null,
                }),
                "raft" => ApplySection(config, reader, key, value, "raft", (c, k, v) => k switch
                {
                    "address" => c with { RaftAddress = reader.String(k, v, "raft") },
                    "advertise_addr" => c with { AdvertiseAddress = reader.String(k, v, "raft") },
                    "cluster_secret_file" => c with { ClusterSecretFile = reader.String(k, v, "raft") },
                    "bootstrap" => c with { Bootstrap = reader.Boolean(k, v, "raft") },
                    "join" => c with { Join = reader.Strings(k, v, "raft") },
                    "election_timeout" => c with { ElectionTimeoutMs = (int)reader.Integer(k, v, "raft", 1, 60_000) },
                    "heartbeat_interval" => c with { HeartbeatIntervalMs = (int)reader.Integer(k, v, "raft", 1, 10_000) },
                    "request_timeout" => c with { RequestTimeoutMs = (int)reader.Integer(k, v, "raft", 1, 600_000) },
                    "snapshot_entries" => c with { SnapshotEntries = reader.Integer(k, v, "raft", 1, 1L << 40) },
                    "snapshot_catchup_entries" => c with { SnapshotCatchUpEntries = reader.Integer(k, v, "raft", 0, 1L << 40) },
                    "corruption_check_interval" => c with { CorruptionCheckIntervalMs = reader.Integer(k, v, "raft", 0, 1L << 40) },
                    _ => null,
                }),
                _ => throw reader.Unknown(key, null),
            };
        }
        return config;
    }

    /// <summary>Applies each key of section <paramref name="name"/>; <paramref name="set"/> returns null for a key it does not know.</summary>
    private static CairnConfig ApplySection(CairnConfig config, Reader reader, string key, object value, string name,
        Func<CairnConfig, string, object, CairnConfig?> set)
    {
        foreach (var (field, fieldValue) in reader.Table(key, value))
        {
            config = set(config, field, fieldValue) ?? throw reader.Unknown(field, name);
        }
        return config;
    }

    private sealed class Reader(string path)
    {
        public string String(string key, object value, string? table = null) =>
            value as string ?? throw Wrong(key, table, "a string");

        public long Integer(string key, object value, string? table, long min, long max) =>
            value is long number && number >= min && number <= max ? number : throw Wrong(key, table, $"an integer from {min} to {max}");

        public long Memory(string key, object value, string? table, bool allowZero = false) => value switch
        {
            long number when number > 0 || (allowZero && number == 0) => number,
            string text when ServerConfig.TryParseMemory(text, out var bytes) && (bytes > 0 || (allowZero && bytes == 0)) => bytes,
            _ => throw Wrong(key, table, "a size in bytes or a string like \"512mb\""),
        };

        public bool Boolean(string key, object value, string? table) =>
            value is bool flag ? flag : throw Wrong(key, table, "true or false");

        public IReadOnlyList<string> Strings(string key, object value, string? table) =>
            value is TomlArray array && array.All(item => item is string)
                ? array.Cast<string>().ToArray()
                : throw Wrong(key, table, "an array of strings");

        public TomlTable Table(string key, object value) => value as TomlTable ?? throw Wrong(key, null, "a table");

        public ConfigException Unknown(string key, string? table) =>
            new($"config file '{path}': unknown key '{Name(key, table)}'");

        private ConfigException Wrong(string key, string? table, string expected) =>
            new($"config file '{path}': '{Name(key, table)}' must be {expected}");

        private static string Name(string key, string? table) => table is null ? key : $"[{table}] {key}";
    }
}
