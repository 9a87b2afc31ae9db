using Cairn.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Api;

/// <summary>
/// /health/live: the process answers. /health/ready: this node can serve — a member of a cluster with a known
/// leader, and caught up (it has applied everything it knows to be committed). 503 with the reason otherwise.
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("health");
        health.MapGet("/live", () => TypedResults.Ok(new { status = "live" })).WithName("Live");
        health.MapGet("/ready", Ready).WithName("Ready");
    }

    private static IResult Ready(KvServiceAccessor accessor)
    {
        if (accessor.IfReady is not { } service)
        {
            return TypedResults.Json(new HealthView("starting", "", "starting", null, 0, 0, "the node is starting"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var status = service.Cluster;
        var reason = Unready(status);
        var view = new HealthView(reason is null ? "ready" : "unready", status.Name, status.Role, status.Leader?.Name, (long)status.CommitIndex, (long)status.AppliedIndex, reason);
        return TypedResults.Json(view, statusCode: reason is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    public static string? Unready(GroupStatus status)
    {
        if (status.Role == "uninitialized")
        {
            return "not a member of a cluster yet";
        }
        if (status.LeaderId == 0)
        {
            return "no leader";
        }
        if (status.CorruptAlarm is { } alarm)
        {
            return $"corrupt alarm: {alarm}";
        }
        if (status.AppliedIndex < status.CommitIndex)
        {
            return $"catching up: applied {status.AppliedIndex} of {status.CommitIndex} committed";
        }
        return null;
    }
}
