using Cairn.Api.Grpc;
using Cairn.Replication;
using Microsoft.AspNetCore.Builder;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Cairn.Api;

/// <summary>Composition of the HTTP API, gRPC API, health, metrics and OpenAPI document in the node's web host.</summary>
public static class CairnApi
{
    public static IServiceCollection AddCairnApi(this IServiceCollection services, Task<IKvService> service, ApiOptions options)
    {
        services.AddSingleton(new KvServiceAccessor(service));
        services.AddSingleton(options);
        services.AddSingleton<PrometheusExporter>();
        services.AddProblemDetails();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            // One budget for every call but the long-lived watch streams (each holds a call for as long as it watches).
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Request.Path.StartsWithSegments("/cairn.v1.Kv/Watch")
                    ? RateLimitPartition.GetNoLimiter("watch")
                    : RateLimitPartition.GetConcurrencyLimiter("calls", _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = options.MaxConcurrentRequests,
                        QueueLimit = options.MaxConcurrentRequests,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    }));
        });
        // Values up to the RESP limit, plus the envelope (gRPC's default is 4 MB).
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, options.MaxValueBytes + (1 << 20));
            grpc.MaxSendMessageSize = null;
        });
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Cairn HTTP API";
            document.Info.Description = "Keys, cluster membership, Raft statistics, health and metrics of one Cairn node.";
            return Task.CompletedTask;
        }));
        return services;
    }

    public static WebApplication MapCairnApi(this WebApplication app)
    {
        var exporter = app.Services.GetRequiredService<PrometheusExporter>();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseHttpMetrics(metrics => metrics.SetMetricFactory(Metrics.WithCustomRegistry(exporter.Registry)));
        KvEndpoints.Map(app);
        ClusterEndpoints.Map(app);
        HealthEndpoints.Map(app);
        app.MapMetrics("/metrics", exporter.Registry);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGrpcService<KvGrpcService>();
        return app;
    }
}
