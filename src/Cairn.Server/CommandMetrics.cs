using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cairn.Server;

/// <summary>
/// RESP command counts, outcomes and latencies (request parsed → reply written; a write's includes its commit),
/// and connected clients, as System.Diagnostics.Metrics instruments of the meter "Cairn.Server". Recording
/// costs almost nothing while nobody listens (the HTTP API's /metrics exporter listens).
/// </summary>
public static class CommandMetrics
{
    public const string MeterName = "Cairn.Server";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "cairn.resp.command.duration", "s", "RESP commands by command and outcome (ok, error): time from parse to reply");

    private static Func<int>? s_clients;

    static CommandMetrics()
    {
        Meter.CreateObservableGauge("cairn.resp.clients.connected", () => s_clients?.Invoke() ?? 0, null, "Connected RESP clients");
    }

    /// <summary>Where the connected-clients gauge reads from (the running server's registry).</summary>
    public static void ObserveClients(Func<int> count) => s_clients = count;

    public static void Record(string command, bool failed, long startedTimestamp)
    {
        if (!Duration.Enabled)
        {
            return;
        }
        Duration.Record(
            Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("command", command),
            new KeyValuePair<string, object?>("outcome", failed ? "error" : "ok"));
    }
}
