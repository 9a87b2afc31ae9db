using System.Diagnostics;
using Cairn.Chaos.Checking;
using Cairn.Chaos.Reporting;
using Cairn.Cluster.Tests;

namespace Cairn.Chaos.Runner;

/// <summary>
/// One run: a real cluster, concurrent clients recording a history, the nemesis injecting faults, then every
/// fault healed, a final linearizable read of every key, and the checks. Writes a report folder and returns
/// whether the history is valid.
/// </summary>
public static class ChaosRun
{
    /// <summary>What a run found: <see cref="Valid"/> only if every key is linearizable and every whole-run check passed.</summary>
    public sealed record Result(bool Valid, string Folder, int Operations, int Faults, IReadOnlyList<KeyVerdict> Verdicts, IReadOnlyList<RunChecks.Finding> Findings);

    public static async Task<Result> RunAsync(RunOptions options, TextWriter console)
    {
        var folder = options.Output ?? Path.Combine("chaos-runs", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-n{options.Nodes}-seed{options.Seed}");
        Directory.CreateDirectory(folder);
        await using var runLog = new StreamWriter(Path.Combine(folder, "run.log"));
        var clock = Stopwatch.StartNew();
        void Log(string message)
        {
            var line = $"[{clock.Elapsed.TotalSeconds,7:F2}s] {message}";
            lock (runLog)
            {
                console.WriteLine(line);
                runLog.WriteLine(line);
            }
        }

        var nextId = 0;
        Workload.NextId = () => Interlocked.Increment(ref nextId);
        Log($"starting {options.Nodes} nodes; seed {options.Seed}, {options.Clients} clients, faults {string.Join(",", options.Faults)}{(options.StaleReads ? ", READONLY (stale) reads" : "")}");
        // Node logs go to the report folder (logs/node1.log, ...), across restarts and wipes.
        await using var cluster = await LocalCluster.StartAsync(options.Nodes, logDirectory: Path.Combine(folder, "logs"));
        await cluster.WaitForLeaderAsync();
        Log("cluster up; workload and faults begin");

        using var stop = new CancellationTokenSource();
        var timeout = TimeSpan.FromSeconds(2);
        var workloads = Enumerable.Range(0, options.Clients)
            .Select(c => new Workload(c, i => cluster.Nodes[i].Port, options.Nodes, options.Keys, options.StaleReads, clock, new Random(options.Seed * 1000 + c), timeout, options.KeyLifetime))
            .ToList();
        var clients = workloads.Select(w => Task.Factory.StartNew(() => w.Run(stop.Token), TaskCreationOptions.LongRunning)).ToList();
        var pipelines = Enumerable.Range(0, options.PipelineClients).Select(c => new PipelineWorkload(c, i => cluster.Nodes[i].Port, options.Nodes, timeout)).ToList();
        clients.AddRange(pipelines.Select(p => Task.Factory.StartNew(() => p.Run(stop.Token), TaskCreationOptions.LongRunning)));
        var counters = Enumerable.Range(0, options.CounterClients).Select(c => new CounterWorkload(c, i => cluster.Nodes[i].Port, options.Nodes, timeout)).ToList();
        clients.AddRange(counters.Select(c => Task.Factory.StartNew(() => c.Run(stop.Token), TaskCreationOptions.LongRunning)));
        var nemesis = new Nemesis(cluster, options.Faults, new Random(options.Seed), clock, Log);
        var faults = nemesis.RunAsync(stop.Token);
        await Task.Delay(options.Time);
        stop.Cancel();
        await faults;
        await Task.WhenAll(clients);
        Log("workload stopped; healing everything");
        await nemesis.HealEverythingAsync();
        await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60));

        // Final reads, linearizable, through a client of their own: what the cluster holds once healed.
        var keys = workloads.SelectMany(w => w.History).Select(o => o.Key).Distinct().Order(StringComparer.Ordinal).ToList();
        var reader = new Workload(Analysis.FinalClient, i => cluster.Nodes[i].Port, options.Nodes, options.Keys, staleReads: false, clock, new Random(options.Seed), TimeSpan.FromSeconds(10), options.KeyLifetime);
        var finals = new List<Operation>();
        foreach (var key in keys)
        {
            for (var attempt = 0; attempt < 30; attempt++)
            {
                var read = reader.Execute((OpKind.Read, key, null));
                if (read.Outcome == Outcome.Ok)
                {
                    finals.Add(read);
                    break;
                }
                await Task.Delay(200);
            }
        }
        var orderFindings = new List<RunChecks.Finding>();
        // A key of one client's own, read once healed and judged by that client.
        async Task JudgeAsync(string key, Func<string?, RunChecks.Finding?> check, Func<string?, string> summary)
        {
            for (var attempt = 0; attempt < 30; attempt++)
            {
                var read = reader.Execute((OpKind.Read, key, null));
                if (read.Outcome == Outcome.Ok)
                {
                    if (check(read.Output) is { } finding)
                    {
                        orderFindings.Add(finding);
                    }
                    Log($"{key}: {summary(read.Output)}");
                    return;
                }
                await Task.Delay(200);
            }
        }
        foreach (var pipeline in pipelines)
        {
            await JudgeAsync(pipeline.Key, pipeline.Check, held => $"{pipeline.Sent} pipelined writes sent, {pipeline.HighestAcknowledged} the highest acknowledged, {held ?? "nil"} held");
        }
        foreach (var counter in counters)
        {
            await JudgeAsync(counter.Key, counter.Check, held => $"{counter.Acknowledged} INCRs through followers acknowledged, {counter.Unknown} unknown, {counter.Refused} refused; {held ?? "nil"} held");
        }
        var history = workloads.SelectMany(w => w.History).Concat(finals).OrderBy(o => o.Call).ToList();
        Log($"{history.Count} operations ({history.Count(o => o.Outcome == Outcome.Ok)} ok, {history.Count(o => o.Outcome == Outcome.Fail)} failed, {history.Count(o => o.Outcome == Outcome.Unknown)} unknown), {nemesis.Timeline.Count} faults; checking");

        var checkStarted = clock.Elapsed;
        var analysis = Analysis.Of(history, options.CheckBudget, options.MinimizeBudget);
        var diverged = await CompareReplicasAsync(cluster, options, keys, history, clock);
        Log(diverged.Count == 0 ? $"every node holds the same values for all {keys.Count} keys" : $"{diverged.Count} differences between replicas");
        // A node that died without being killed is a failure whatever the history says (its peers may have
        // carried on without it).
        var crashes = cluster.Nodes.SelectMany(n => n.Crashes.Select(c => new RunChecks.Finding("node crashed", n.Name, c))).ToList();
        if (crashes.Count + diverged.Count + orderFindings.Count > 0)
        {
            analysis = analysis with { Valid = false, Findings = [.. analysis.Findings, .. crashes, .. diverged, .. orderFindings] };
        }
        Log($"checked in {(clock.Elapsed - checkStarted).TotalSeconds:F1} s");
        var (valid, verdicts, findings) = (analysis.Valid, analysis.Verdicts, analysis.Findings);
        Report.Write(folder, options.Describe(), history, nemesis.Timeline, analysis);
        foreach (var verdict in verdicts.Where(v => v.Linearizable != true))
        {
            Log($"{verdict.Key}: {(verdict.TimedOut ? "no verdict (checker out of time)" : "NOT linearizable")}; stuck at {verdict.Stuck}");
        }
        foreach (var finding in findings)
        {
            Log($"{finding.Key}: {finding.Check}: {finding.Detail}");
        }
        Log($"{(valid ? "VALID" : "INVALID")}: report in {Path.GetFullPath(folder)}");
        return new Result(valid, Path.GetFullPath(folder), history.Count, nemesis.Timeline.Count, verdicts, findings);
    }

    /// <summary>
    /// Replicas agree: once every node has applied all the leader had committed after the final reads, each
    /// node's own state (a READONLY read on it) must equal the final linearizable value of every key. A node
    /// whose state machine diverged — say, writes that landed in the wrong place — shows up here even if it
    /// never answered a client.
    /// </summary>
    private static async Task<List<RunChecks.Finding>> CompareReplicasAsync(LocalCluster cluster, RunOptions options, List<string> keys, List<Operation> history, Stopwatch clock)
    {
        var final = history.Where(o => o.Client == Analysis.FinalClient && o.Outcome == Outcome.Ok).ToDictionary(o => o.Key, o => o.Output);
        var findings = new List<RunChecks.Finding>();
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60));
        var commit = long.Parse((await leader.TryRaftInfoAsync())?.GetValueOrDefault("commit_index") ?? "0");
        foreach (var (node, index) in cluster.Nodes.Select((n, i) => (n, i)))
        {
            try
            {
                await Poll.UntilAsync(async () => long.Parse((await node.TryRaftInfoAsync())?.GetValueOrDefault("last_applied_index") ?? "0") >= commit,
                    TimeSpan.FromSeconds(60), $"{node.Name} to apply index {commit}");
            }
            catch (TimeoutException ex)
            {
                findings.Add(new RunChecks.Finding("replica behind", node.Name, ex.Message));
                continue;
            }
            var local = new Workload(Analysis.FinalClient, _ => cluster.Nodes[index].Port, 1, options.Keys, staleReads: true, clock, new Random(0), TimeSpan.FromSeconds(10), options.KeyLifetime);
            foreach (var key in keys.Where(final.ContainsKey))
            {
                var read = local.Execute((OpKind.Read, key, null));
                if (read.Outcome != Outcome.Ok)
                {
                    findings.Add(new RunChecks.Finding("replica unreadable", node.Name, $"{key}: the local read failed"));
                    break;
                }
                if (read.Output != final[key])
                {
                    findings.Add(new RunChecks.Finding("replica diverged", node.Name, $"{key} is {read.Output ?? "nil"} there, {final[key] ?? "nil"} by the final linearizable read"));
                }
            }
            local.Close();
        }
        return findings;
    }
}
