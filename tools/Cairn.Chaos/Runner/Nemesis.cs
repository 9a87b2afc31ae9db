using System.Runtime.InteropServices;
using Cairn.Cluster.Tests;

namespace Cairn.Chaos.Runner;

/// <summary>One fault, as the timeline records it.</summary>
public sealed record FaultEvent(long StartNanos, long EndNanos, string Kind, string Target);

/// <summary>
/// Injects faults on a seeded schedule: one at a time, each held for a few seconds then healed, with a quiet
/// gap between. kill: kill -9 a node, restart it. pause: SIGSTOP a node (the leader half the time), SIGCONT.
/// partition: cut a node (the leader half the time) off from the others through the peer proxies, or split a
/// 5-node cluster 2/3; heal. Faults touch a minority only, so the cluster must keep serving.
/// </summary>
public sealed partial class Nemesis(LocalCluster cluster, IReadOnlyList<string> faults, Random random, System.Diagnostics.Stopwatch clock, Action<string> log)
{
    private const int SigStop = 19, SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Signal(int pid, int signal);

    public List<FaultEvent> Timeline { get; } = [];

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3), stop);
            while (!stop.IsCancellationRequested)
            {
                var kind = faults[random.Next(faults.Count)];
                var hold = TimeSpan.FromMilliseconds(random.Next(2000, 6000));
                await InjectAsync(kind, hold, stop);
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(2000, 5000)), stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task InjectAsync(string kind, TimeSpan hold, CancellationToken stop)
    {
        var running = cluster.Running.ToList();
        var leader = await LeaderOrNullAsync();
        var target = leader is not null && random.Next(2) == 0 ? leader : running[random.Next(running.Count)];
        var start = Now;
        string label;
        switch (kind)
        {
            case "kill":
                label = target.Name;
                log($"kill -9 {label}");
                target.Kill();
                await HoldAsync(hold, stop);
                await target.RestartAsync();
                break;
            case "pause":
                label = target.Name;
                log($"SIGSTOP {label}");
                Signal(target.Server!.Process.Id, SigStop);
                try
                {
                    await HoldAsync(hold, stop);
                }
                finally
                {
                    Signal(target.Server!.Process.Id, SigCont);
                }
                break;
            case "partition":
                var isolated = cluster.Nodes.Count >= 5 && random.Next(2) == 0
                    ? [target, .. cluster.Nodes.Where(n => n != target).OrderBy(_ => random.Next()).Take(1)]
                    : new List<LocalCluster.Node> { target };
                label = string.Join("+", isolated.Select(n => n.Name)) + " | rest";
                log($"partition {label}");
                foreach (var inside in isolated)
                {
                    foreach (var outside in cluster.Nodes.Where(n => !isolated.Contains(n)))
                    {
                        inside.Proxy.Block(outside.RaftId);
                        outside.Proxy.Block(inside.RaftId);
                    }
                }
                await HoldAsync(hold, stop);
                HealAll();
                break;
            default:
                throw new ArgumentException($"unknown fault '{kind}' (kill, pause, partition)");
        }
        Timeline.Add(new FaultEvent(start, Now, kind, label));
        log($"healed {kind} {label}");
    }

    /// <summary>Ends every fault: links healed, paused nodes continued, dead nodes restarted.</summary>
    public async Task HealEverythingAsync()
    {
        HealAll();
        foreach (var node in cluster.Nodes)
        {
            if (node.Server is { } server && !server.Process.HasExited)
            {
                Signal(server.Process.Id, SigCont);
            }
            else
            {
                await node.RestartAsync();
            }
        }
    }

    private void HealAll()
    {
        foreach (var node in cluster.Nodes)
        {
            node.Proxy.Heal();
        }
    }

    private static async Task HoldAsync(TimeSpan hold, CancellationToken stop)
    {
        try
        {
            await Task.Delay(hold, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<LocalCluster.Node?> LeaderOrNullAsync()
    {
        foreach (var node in cluster.Running)
        {
            if (await node.TryRaftInfoAsync() is { } info && info.GetValueOrDefault("role") == "leader")
            {
                return node;
            }
        }
        return null;
    }

    private long Now => clock.Elapsed.Ticks * 100;
}
