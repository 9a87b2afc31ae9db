using System.Globalization;
using System.Text;
using Cairn.Replication;
using Cairn.StateMachine;

namespace Cairn.Server.Commands;

/// <summary>Cluster membership and introspection, in the conventions of RedisRaft, plus Redis's ROLE.</summary>
internal static class RaftCommands
{
    private static readonly CommandGroup Cluster = new("cluster", ["@admin", "@slow", "@dangerous"]);
    private const CommandFlags Admin = CommandFlags.Loading | CommandFlags.Stale;

    public static IEnumerable<CommandDef> Definitions() =>
    [
        new CommandDef
        {
            Name = "raft.cluster",
            Arity = -2,
            Group = "cluster",
            Summary = "Create a new cluster or join an existing one",
            Since = "1.0.0",
            Subcommands = CommandTable.Subs(
                Cluster.Command("init", 2, Admin, "Make this node a one-member cluster", "", c => c.Defer(new(c.Kv.InitClusterAsync()))),
                Cluster.Command("join", -3, Admin, "Ask a member (by its Raft address) to add this node", "host:port [host:port ...]", Join)),
        },
        new CommandDef
        {
            Name = "raft.node",
            Arity = -2,
            Group = "cluster",
            Summary = "Add or remove cluster members",
            Since = "1.0.0",
            Subcommands = CommandTable.Subs(
                Cluster.Command("add", -4, Admin, "Add a node as a learner; it becomes a voter once caught up, unless LEARNER keeps it a learner", "node-id raft-host:port [LEARNER]", AddNode),
                Cluster.Command("remove", 3, Admin, "Remove a member", "node-id", c => c.Defer(new(c.Kv.RemoveNodeAsync(c.Args.GetString(2)))))),
        },
        Cluster.Command("raft.info", -1, Admin, "Show this node's view of the Raft cluster", "[section...]", Info),
        Cluster.Command("raft.leader", 1, Admin, "Return the leader's node id, Raft address and RESP address", "", Leader),
        Cluster.Command("raft.nodes", 1, Admin, "List the members with their roles and replication state", "", Nodes),
        Cluster.Command("raft.transfer_leader", -1, Admin, "Move leadership to a voter (default: the most caught-up one)", "[node-id]", TransferLeader),
        Cluster.Command("raft.snapshot", 1, Admin, "Take a snapshot now and compact the log behind it", "", c => c.Defer(new(c.Kv.SnapshotAsync()))),
        Cluster.Command("raft.alarm", -1, Admin, "List the raised alarms, or DISARM them (every member) once the damaged member is rebuilt", "[DISARM]", Alarm),
        Cluster.Command("raft.check", 1, Admin, "Compare every member's digest of its state at one log index (the corruption check)", "", c => c.Defer(new(c.Kv.CheckAsync()))),
        new CommandDef
        {
            Name = "role",
            Arity = 1,
            Flags = CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast,
            Group = "server",
            Summary = "Return the role of the instance in the context of replication",
            Since = "2.8.12",
            Handler = Role,
            AclCategories = ["@admin", "@fast", "@dangerous"],
        },
    ];

    private static void TransferLeader(CommandContext c)
    {
        if (c.Count > 2)
        {
            c.SyntaxError();
            return;
        }
        c.Defer(new(c.Kv.TransferLeaderAsync(c.Count == 2 ? c.Args.GetString(1) : null)));
    }

    private static void Alarm(CommandContext c)
    {
        if (c.Count == 2 && c.Args.GetString(1).Equals("disarm", StringComparison.OrdinalIgnoreCase))
        {
            c.Defer(new(c.Kv.DisarmAlarmAsync()));
            return;
        }
        if (c.Count != 1)
        {
            c.SyntaxError();
            return;
        }
        var alarm = c.Kv.Cluster.CorruptAlarm;
        c.Writer.WriteArrayHeader(alarm is null ? 0 : 1);
        if (alarm is not null)
        {
            c.Writer.WriteBulk("CORRUPT " + alarm);
        }
    }

    private static void AddNode(CommandContext c)
    {
        var stayLearner = c.Count == 5 && c.Args.GetString(4).Equals("learner", StringComparison.OrdinalIgnoreCase);
        if (c.Count > 5 || (c.Count == 5 && !stayLearner))
        {
            c.SyntaxError();
            return;
        }
        c.Defer(new(c.Kv.AddNodeAsync(c.Args.GetString(2), c.Args.GetString(3), stayLearner)));
    }

    private static void Join(CommandContext c)
    {
        var addresses = Enumerable.Range(2, c.Count - 2).Select(i => c.Args.GetString(i)).ToList();
        c.Defer(new(c.Kv.JoinClusterAsync(addresses)));
    }

    private static void Leader(CommandContext c)
    {
        var status = c.Kv.Cluster;
        var leader = status.Members.FirstOrDefault(m => m.Id == status.LeaderId);
        if (status.LeaderId == 0 || leader is null)
        {
            c.Error("CLUSTERDOWN no leader");
            return;
        }
        c.Writer.WriteArrayHeader(3);
        c.Writer.WriteBulk(leader.Name);
        c.Writer.WriteBulk(leader.RaftAddress);
        c.Writer.WriteBulk(leader.RespAddress);
    }

    private static void Nodes(CommandContext c)
    {
        var status = c.Kv.Cluster;
        c.Writer.WriteArrayHeader(status.Members.Count);
        foreach (var member in status.Members)
        {
            c.Writer.WriteMapHeader(8);
            c.Writer.WriteBulk("id");
            c.Writer.WriteBulk(member.Name);
            c.Writer.WriteBulk("raft_id");
            c.Writer.WriteBulk(member.Id.ToString("x16"));
            c.Writer.WriteBulk("raft_addr");
            c.Writer.WriteBulk(member.RaftAddress);
            c.Writer.WriteBulk("addr");
            c.Writer.WriteBulk(member.RespAddress);
            c.Writer.WriteBulk("suffrage");
            c.Writer.WriteBulk(member.Voter ? "voter" : "learner");
            c.Writer.WriteBulk("role");
            c.Writer.WriteBulk(member.Id == status.LeaderId ? "leader" : member.Voter ? "follower" : "learner");
            c.Writer.WriteBulk("match_index");
            if (member.Match is { } match)
            {
                c.Writer.WriteInteger((long)match);
            }
            else
            {
                c.Writer.WriteNull();
            }
            c.Writer.WriteBulk("state");
            c.Writer.WriteBulk(member.Active ? member.State : "unreachable");
        }
    }

    private static void Info(CommandContext c) => c.Writer.WriteVerbatim(RaftInfo(c.Kv.Cluster));

    /// <summary>RAFT.INFO: INFO-style sections about this node's group.</summary>
    internal static string RaftInfo(GroupStatus s)
    {
        var text = new StringBuilder();
        void Line(string field, object value) => text.Append(field).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("# Raft\r\n");
        Line("node_id", s.Name);
        Line("raft_id", s.NodeId.ToString("x16"));
        Line("role", s.Role);
        Line("is_voting", s.Members.Any(m => m.Id == s.NodeId && m.Voter) ? "yes" : "no");
        Line("leader_id", s.Leader?.Name ?? (s.LeaderId == 0 ? "" : s.LeaderId.ToString("x16")));
        Line("current_term", s.Term);
        Line("num_nodes", s.Members.Count);
        Line("num_voting_nodes", s.Members.Count(m => m.Voter));
        Line("corrupt_alarm", s.CorruptAlarm ?? "");
        for (var i = 0; i < s.Members.Count; i++)
        {
            var m = s.Members[i];
            var lag = m.Match is { } match ? (long)(s.LastIndex - Math.Min(s.LastIndex, match)) : -1;
            Line($"node{i}", $"id={m.Name},raft_id={m.Id:x16},raft_addr={m.RaftAddress},addr={m.RespAddress},voting={(m.Voter ? "yes" : "no")},state={(m.Active ? m.State : "unreachable")},match={(m.Match is { } x ? x.ToString(CultureInfo.InvariantCulture) : "")},lag={(lag < 0 ? "" : lag.ToString(CultureInfo.InvariantCulture))}");
        }
        text.Append("\r\n# Log\r\n");
        Line("log_entries", s.LastIndex + 1 - Math.Min(s.LastIndex + 1, s.FirstIndex));
        Line("first_index", s.FirstIndex);
        Line("current_index", s.LastIndex);
        Line("commit_index", s.CommitIndex);
        Line("last_applied_index", s.AppliedIndex);
        text.Append("\r\n# Snapshot\r\n");
        Line("snapshot_in_progress", s.SendingSnapshots > 0 ? "yes" : "no");
        Line("snapshot_last_idx", s.SnapshotIndex);
        Line("snapshot_last_term", s.SnapshotTerm);
        Line("snapshots_created", s.SnapshotsTaken);
        Line("snapshots_sent", s.SnapshotsSent);
        Line("snapshots_loaded", s.SnapshotsInstalled);
        text.Append("\r\n# Forwarding\r\n");
        Line("forward_session", s.Forwarding.Session.ToString("x16"));
        Line("forward_unanswered", s.Forwarding.Unanswered);
        Line("forward_resent", s.Forwarding.Resent);
        Line("forward_sessions_renewed", s.Forwarding.Renewed);
        Line("sessions", s.Forwarding.Sessions);
        return text.ToString();
    }

    /// <summary>
    /// ROLE, in Redis's format. Every node accepts writes (a follower forwards them), so every node
    /// answers as a master, as a client must see it to send writes there; the leader lists the other
    /// members as its replicas. RAFT.INFO tells the Raft role.
    /// </summary>
    private static void Role(CommandContext c)
    {
        var status = c.Kv.Cluster;
        var w = c.Writer;
        var replicas = status.IsLeader ? status.Members.Where(m => m.Id != status.NodeId).ToList() : [];
        w.WriteArrayHeader(3);
        w.WriteBulk("master");
        w.WriteInteger((long)status.AppliedIndex);
        w.WriteArrayHeader(replicas.Count);
        foreach (var replica in replicas)
        {
            var (host, port) = SplitAddress(replica.RespAddress);
            w.WriteArrayHeader(3);
            w.WriteBulk(host);
            w.WriteBulk(port);
            w.WriteBulk(((long)(replica.Match ?? 0)).ToString(CultureInfo.InvariantCulture));
        }
    }

    internal static (string Host, string Port) SplitAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon <= 0 ? (address, "0") : (address[..colon], address[(colon + 1)..]);
    }
}
