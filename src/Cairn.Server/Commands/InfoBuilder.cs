using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Cairn.Server.Commands;

/// <summary>The INFO text: "# Section" headers, "field:value" lines, CRLF line ends, a blank line between sections.</summary>
internal static class InfoBuilder
{
    private static readonly string[] DefaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"];
    private static long _peakMemory;

    public static string Build(ServerContext server, IReadOnlyList<string> requested)
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (requested.Count == 0)
        {
            wanted.UnionWith(DefaultSections);
        }
        foreach (var name in requested)
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase) || name.Equals("everything", StringComparison.OrdinalIgnoreCase)
                || name.Equals("default", StringComparison.OrdinalIgnoreCase))
            {
                wanted.UnionWith(DefaultSections);
            }
            else
            {
                wanted.Add(name);
            }
        }
        var text = new StringBuilder();
        var status = server.Kv.GetStatus();
        foreach (var section in DefaultSections.Where(wanted.Contains))
        {
            if (text.Length > 0)
            {
                text.Append("\r\n");
            }
            // Redis's titles: "# Server", "# Keyspace", but "# CPU".
            text.Append("# ").Append(section == "cpu" ? "CPU" : char.ToUpperInvariant(section[0]) + section[1..]).Append("\r\n");
            var lines = section switch
            {
                "server" => ServerSection(server),
                "clients" => ClientsSection(server),
                "memory" => MemorySection(status),
                "persistence" => PersistenceSection(server, status),
                "stats" => StatsSection(server, status),
                "replication" => ReplicationSection(server, status),
                "cpu" => CpuSection(),
                _ => KeyspaceSection(status),
            };
            foreach (var (key, value) in lines)
            {
                text.Append(key).Append(':').Append(value).Append("\r\n");
            }
        }
        return text.ToString();
    }

    private static IEnumerable<(string, object)> ServerSection(ServerContext server)
    {
        var uptime = server.Time.GetUtcNow() - server.StartedAt;
        using var process = Process.GetCurrentProcess();
        return
        [
            ("redis_version", ServerContext.RedisVersion),
            ("cairn_version", ServerContext.CairnVersion),
            ("cairn_node_id", server.Config.Options.NodeId),
            ("redis_mode", "standalone"),
            ("os", $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}"),
            ("arch_bits", Environment.Is64BitProcess ? 64 : 32),
            ("runtime", RuntimeInformation.FrameworkDescription),
            ("process_id", Environment.ProcessId),
            ("run_id", server.RunId),
            ("tcp_port", server.Config.ListeningPort),
            ("server_time_usec", (server.Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10),
            ("uptime_in_seconds", (long)uptime.TotalSeconds),
            ("uptime_in_days", (long)uptime.TotalDays),
            ("executable", Environment.ProcessPath ?? ""),
            ("config_file", server.Config.Options.ConfigFile is { } file ? Path.GetFullPath(file) : ""),
        ];
    }

    private static IEnumerable<(string, object)> ClientsSection(ServerContext server) =>
    [
        ("connected_clients", server.Clients.Count),
        ("maxclients", server.Config.MaxClients),
        ("blocked_clients", server.Blocked.Count),
    ];

    private static IEnumerable<(string, object)> MemorySection(Replication.KvServiceStatus status)
    {
        var managed = GC.GetTotalMemory(false);
        var rss = Environment.WorkingSet;
        var peak = Math.Max(Interlocked.Read(ref _peakMemory), rss);
        Interlocked.Exchange(ref _peakMemory, peak);
        return
        [
            ("used_memory", managed),
            ("used_memory_human", Human(managed)),
            ("used_memory_rss", rss),
            ("used_memory_rss_human", Human(rss)),
            ("used_memory_peak", peak),
            ("used_memory_peak_human", Human(peak)),
            ("total_system_memory", GC.GetGCMemoryInfo().TotalAvailableMemoryBytes),
            ("maxmemory", 0),
            ("maxmemory_human", "0B"),
            ("maxmemory_policy", "noeviction"),
            ("mem_allocator", "dotnet-gc"),
            // Collections stop the node's threads; a rise in pause time with the p99 latency points here.
            ("cairn_gc_gen0_collections", GC.CollectionCount(0)),
            ("cairn_gc_gen1_collections", GC.CollectionCount(1)),
            ("cairn_gc_gen2_collections", GC.CollectionCount(2)),
            ("cairn_gc_pause_total_ms", GC.GetTotalPauseDuration().TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture)),
            .. status.EngineStats.Where(s => s.Key.Contains("memtable") || s.Key.Contains("block_cache") || s.Key.Contains("record_cache") || s.Key.Contains("key_index")).Select(s => (s.Key, (object)s.Value)),
        ];
    }

    private static IEnumerable<(string, object)> PersistenceSection(ServerContext server, Replication.KvServiceStatus status) =>
    [
        ("loading", 0),
        ("async_loading", 0),
        ("rdb_changes_since_last_save", 0),
        ("rdb_bgsave_in_progress", 0),
        ("rdb_last_save_time", server.StartedAt.ToUnixTimeSeconds()),
        ("aof_enabled", 1),
        ("aof_rewrite_in_progress", 0),
        ("aof_last_write_status", status.LastWriteError is null ? "ok" : "err"),
        ("cairn_storage_engine", "rocksdb"),
        ("cairn_data_dir", server.Config.Get(["dir"]).FirstOrDefault().Value ?? ""),
        ("cairn_fsync", "always"),
        ("cairn_applied_index", status.AppliedIndex),
        ("cairn_write_batches", status.WriteBatches),
        ("cairn_write_commands", status.WriteCommands),
        ("cairn_avg_batch_size", status.WriteBatches == 0 ? "0.00" : ((double)status.WriteCommands / status.WriteBatches).ToString("F2", CultureInfo.InvariantCulture)),
        ("cairn_last_write_ms", status.LastWriteMilliseconds.ToString("F3", CultureInfo.InvariantCulture)),
        ("cairn_last_write_error", status.LastWriteError ?? ""),
        .. status.EngineStats.Where(s => s.Key.StartsWith("rocksdb_", StringComparison.Ordinal)).Select(s => (s.Key, (object)s.Value)),
    ];

    private static IEnumerable<(string, object)> StatsSection(ServerContext server, Replication.KvServiceStatus status)
    {
        var stats = server.Stats;
        var (channels, patterns, shardChannels) = server.Subscriptions.Counts;
        return
        [
            ("total_connections_received", Interlocked.Read(ref stats.ConnectionsReceived)),
            ("total_commands_processed", Interlocked.Read(ref stats.CommandsProcessed)),
            ("total_net_input_bytes", Interlocked.Read(ref stats.TotalNetInputBytes)),
            ("total_net_output_bytes", Interlocked.Read(ref stats.TotalNetOutputBytes)),
            ("rejected_connections", Interlocked.Read(ref stats.RejectedConnections)),
            ("expired_keys", status.ExpiredKeys),
            ("evicted_keys", 0),
            ("keyspace_hits", Interlocked.Read(ref stats.KeyspaceHits)),
            ("keyspace_misses", Interlocked.Read(ref stats.KeyspaceMisses)),
            ("pubsub_channels", channels),
            ("pubsub_patterns", patterns),
            ("pubsubshard_channels", shardChannels),
            ("total_protocol_errors", Interlocked.Read(ref stats.ProtocolErrors)),
            ("raft_peers_refused", status.PeersRefused),
            ("raft_peer_messages_dropped", status.PeerMessagesDropped),
        ];
    }

    /// <summary>
    /// Redis's replication section. Every node accepts writes (followers forward them), so every node is
    /// a master to clients; the leader lists the other members as replicas. The raft_* fields tell the
    /// Raft role and where the leader is.
    /// </summary>
    private static IEnumerable<(string, object)> ReplicationSection(ServerContext server, Replication.KvServiceStatus status)
    {
        var cluster = server.Kv.Cluster;
        var lines = new List<(string, object)> { ("role", status.Role) };
        var replicas = cluster.IsLeader ? cluster.Members.Where(m => m.Id != cluster.NodeId).ToList() : [];
        lines.Add(("connected_slaves", replicas.Count(r => r.Active)));
        for (var i = 0; i < replicas.Count; i++)
        {
            var r = replicas[i];
            var (host, port) = RaftCommands.SplitAddress(r.RespAddress);
            var match = (long)(r.Match ?? 0);
            lines.Add(($"slave{i}", $"ip={host},port={port},state={(r.Active ? "online" : "wait_bgsave")},offset={match},lag={(long)cluster.LastIndex - match}"));
        }
        lines.AddRange(
        [
            ("master_failover_state", "no-failover"),
            ("master_replid", server.RunId),
            ("master_replid2", new string('0', 40)),
            ("master_repl_offset", status.AppliedIndex),
            ("second_repl_offset", -1),
            ("repl_backlog_active", 0),
            ("repl_backlog_size", 0),
            ("repl_backlog_first_byte_offset", 0),
            ("repl_backlog_histlen", 0),
            ("raft_role", cluster.Role),
            ("raft_term", (long)cluster.Term),
            ("raft_leader", cluster.Leader?.Name ?? ""),
            ("raft_leader_addr", cluster.Leader?.RespAddress ?? ""),
            ("raft_commit_index", (long)cluster.CommitIndex),
            ("raft_corrupt_alarm", cluster.CorruptAlarm ?? ""),
        ]);
        return lines;
    }

    private static IEnumerable<(string, object)> CpuSection()
    {
        using var process = Process.GetCurrentProcess();
        return
        [
            ("used_cpu_sys", process.PrivilegedProcessorTime.TotalSeconds.ToString("F6", CultureInfo.InvariantCulture)),
            ("used_cpu_user", process.UserProcessorTime.TotalSeconds.ToString("F6", CultureInfo.InvariantCulture)),
        ];
    }

    private static IEnumerable<(string, object)> KeyspaceSection(Replication.KvServiceStatus status) =>
        status.KeyCount > 0 ? [("db0", $"keys={status.KeyCount},expires={status.ExpiresCount},avg_ttl=0")] : [];

    private static string Human(long bytes)
    {
        string[] units = ["B", "K", "M", "G", "T"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes}B" : value.ToString("F2", CultureInfo.InvariantCulture) + units[unit];
    }
}
