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
                "rocksdb" => ApplyRocks(config, reader, reader.Table(key, value)),
                "log" => ApplyLog(config, reader, reader.Table(key, value)),
                "limits" => ApplyLimits(config, reader, reader.Table(key, value)),
                "cache" => ApplyCache(config, reader, reader.Table(key, value)),
                _ => throw reader.Unknown(key, null),
            };
        }
        return config;
    }

    private static CairnConfig ApplyRocks(CairnConfig config, Reader reader, TomlTable table)
    {
        foreach (var (key, value) in table)
        {
            config = key switch
            {
                "data_path" => config with { DataPath = reader.String(key, value, "rocksdb") },
                "max_open_files" => config with { MaxOpenFiles = (int)reader.Integer(key, value, "rocksdb", int.MinValue, int.MaxValue) },
                "block_cache_size" => config with { BlockCacheBytes = reader.Memory(key, value, "rocksdb") },
                "write_buffer_size" => config with { WriteBufferBytes = reader.Memory(key, value, "rocksdb") },
                _ => throw reader.Unknown(key, "rocksdb"),
            };
        }
        return config;
    }

    private static CairnConfig ApplyLog(CairnConfig config, Reader reader, TomlTable table)
    {
        foreach (var (key, value) in table)
        {
            config = key switch
            {
                "level" => config with { LogLevel = reader.String(key, value, "log") },
                _ => throw reader.Unknown(key, "log"),
            };
        }
        return config;
    }

    private static CairnConfig ApplyCache(CairnConfig config, Reader reader, TomlTable table)
    {
        foreach (var (key, value) in table)
        {
            config = key switch
            {
                "size" => config with { RecordCacheBytes = reader.Memory(key, value, "cache", allowZero: true) },
                _ => throw reader.Unknown(key, "cache"),
            };
        }
        return config;
    }

    private static CairnConfig ApplyLimits(CairnConfig config, Reader reader, TomlTable table)
    {
        foreach (var (key, value) in table)
        {
            config = key switch
            {
                "proto_max_bulk_len" => config with { ProtoMaxBulkLength = reader.Memory(key, value, "limits") },
                "client_query_buffer_limit" => config with { ClientQueryBufferLimit = reader.Memory(key, value, "limits") },
                "maxclients" => config with { MaxClients = (int)reader.Integer(key, value, "limits", 1, int.MaxValue) },
                _ => throw reader.Unknown(key, "limits"),
            };
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

        public TomlTable Table(string key, object value) => value as TomlTable ?? throw Wrong(key, null, "a table");

        public ConfigException Unknown(string key, string? table) =>
            new($"config file '{path}': unknown key '{Name(key, table)}'");

        private ConfigException Wrong(string key, string? table, string expected) =>
            new($"config file '{path}': '{Name(key, table)}' must be {expected}");

        private static string Name(string key, string? table) => table is null ? key : $"[{table}] {key}";
    }
}
