using System.Globalization;
using Cairn.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Api;

/// <summary>
/// /v1/cluster and /v1/raft: the group as this node sees it, and membership changes (forwarded to the leader).
/// Match index and lag are known on the leader only; elsewhere they are null.
/// </summary>
internal static class ClusterEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var cluster = app.MapGroup("/v1").WithTags("cluster");
        cluster.MapGet("/cluster", GetClusterAsync).WithName("GetCluster").WithSummary("Leader, term and members with their replication state");
        cluster.MapPost("/cluster/members", AddMemberAsync).WithName("AddMember").WithSummary("Adds a node: a learner, promoted to voter once caught up unless learner is true");
        cluster.MapDelete("/cluster/members/{id}", RemoveMemberAsync).WithName("RemoveMember").WithSummary("Removes a member by node id");
        cluster.MapGet("/raft/stats", GetStatsAsync).WithName("GetRaftStats").WithSummary("This node's Raft and storage counters");
        cluster.MapPost("/cluster/check", CheckAsync).WithName("CheckCluster").WithSummary("The corruption check: every member's digest at one log index, compared (409 and the alarm on a mismatch)");
        cluster.MapGet("/cluster/alarms", GetAlarms).WithName("GetAlarms").WithSummary("The raised alarms (CORRUPT): writes are refused while one is up");
        cluster.MapDelete("/cluster/alarms", DisarmAsync).WithName("DisarmAlarms").WithSummary("Disarms the alarms on every member (through the log)");
    }

    private static async Task<IResult> CheckAsync(KvServiceAccessor accessor)
    {
        var reply = await (await accessor.Service).CheckAsync();
        if (reply.IsError && reply.Text!.StartsWith("CORRUPT ", StringComparison.Ordinal))
        {
            return Problems.Conflict(reply.Text);
        }
        return reply.IsError ? Problems.FromReply(reply) : TypedResults.Ok(new CheckView(true, reply.ToString()));
    }

    private static async Task<IResult> GetAlarms(KvServiceAccessor accessor) =>
        TypedResults.Ok(AlarmsOf((await accessor.Service).Cluster));

    private static async Task<IResult> DisarmAsync(KvServiceAccessor accessor)
    {
        var service = await accessor.Service;
        var reply = await service.DisarmAlarmAsync();
        return reply.IsError ? Problems.FromReply(reply) : TypedResults.Ok(AlarmsOf(service.Cluster));
    }

    private static List<AlarmView> AlarmsOf(GroupStatus status) =>
        status.CorruptAlarm is { } alarm ? [new AlarmView("CORRUPT", alarm)] : [];

    public static ClusterView View(GroupStatus status) => new(
        status.Name,
        status.Role,
        (long)status.Term,
        status.Leader?.Name,
        (long)status.CommitIndex,
        (long)status.AppliedIndex,
        status.Members.Select(m => new MemberView(
            m.Name,
            m.Id.ToString("x16", CultureInfo.InvariantCulture),
            m.RaftAddress,
            m.RespAddress,
            m.Voter ? "voter" : "learner",
            m.State,
            m.Active,
            m.Match is { } match ? (long)match : null,
            m.Match is { } known ? (long)(status.LastIndex - Math.Min(known, status.LastIndex)) : null)).ToList());

    private static async Task<IResult> GetClusterAsync(KvServiceAccessor accessor) =>
        TypedResults.Ok(View((await accessor.Service).Cluster));

    private static async Task<IResult> AddMemberAsync(KvServiceAccessor accessor, AddMemberBody? body)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Id) || string.IsNullOrWhiteSpace(body.Address))
        {
            return Problems.BadRequest("the body must be {\"id\": \"<node id>\", \"address\": \"<raft host:port>\"}");
        }
        var colon = body.Address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(body.Address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is 0 or > 65535)
        {
            return Problems.BadRequest($"address must be the node's Raft address as host:port, got '{body.Address}'");
        }
        var service = await accessor.Service;
        var reply = await service.AddNodeAsync(body.Id, body.Address, body.Learner);
        if (reply.IsError)
        {
            return reply.Text!.Contains("already exists", StringComparison.Ordinal) ? Problems.Conflict(reply.Text) : Problems.FromReply(reply);
        }
        return TypedResults.Created($"/v1/cluster/members/{Uri.EscapeDataString(body.Id)}", View(service.Cluster));
    }

    private static async Task<IResult> RemoveMemberAsync(KvServiceAccessor accessor, string id)
    {
        var service = await accessor.Service;
        var reply = await service.RemoveNodeAsync(id);
        if (reply.IsError)
        {
            return reply.Text!.Contains("does not exist", StringComparison.Ordinal) ? Problems.NotFound($"no member '{id}'") : Problems.FromReply(reply);
        }
        return TypedResults.Ok(View(service.Cluster));
    }

    private static async Task<IResult> GetStatsAsync(KvServiceAccessor accessor)
    {
        var service = await accessor.Service;
        var group = service.Cluster;
        var status = service.GetStatus();
        var stats = new Dictionary<string, object?>
        {
            ["node"] = group.Name,
            ["raftId"] = group.NodeId.ToString("x16", CultureInfo.InvariantCulture),
            ["role"] = group.Role,
            ["term"] = group.Term,
            ["leader"] = group.Leader?.Name,
            ["leaderChanges"] = group.LeaderChanges,
            ["commitIndex"] = group.CommitIndex,
            ["appliedIndex"] = group.AppliedIndex,
            ["firstIndex"] = group.FirstIndex,
            ["lastIndex"] = group.LastIndex,
            ["snapshotIndex"] = group.SnapshotIndex,
            ["snapshotTerm"] = group.SnapshotTerm,
            ["snapshotsTaken"] = group.SnapshotsTaken,
            ["snapshotsSent"] = group.SnapshotsSent,
            ["snapshotsInstalled"] = group.SnapshotsInstalled,
            ["sendingSnapshots"] = group.SendingSnapshots,
            ["lastSnapshotSentBytes"] = group.LastSnapshotBytes,
            ["logBytes"] = status.LogBytes,
            ["keys"] = status.KeyCount,
            ["expires"] = status.ExpiresCount,
            ["expiredKeys"] = status.ExpiredKeys,
            ["writeBatches"] = status.WriteBatches,
            ["writeCommands"] = status.WriteCommands,
            ["lastWriteMilliseconds"] = status.LastWriteMilliseconds,
            ["lastWriteError"] = status.LastWriteError,
            ["storage"] = status.EngineStats.ToDictionary(s => s.Key, s => s.Value),
        };
        return TypedResults.Ok(stats);
    }
}
