using System.Runtime.InteropServices;
using Cairn.Cluster.Tests;

namespace Cairn.Chaos.Runner;

/// <summary>One fault, as the timeline records it.</summary>
public sealed record FaultEvent(long StartNanos, long EndNanos, string Kind, string Target);

/// <summary>
/// Injects faults on a seeded schedule: one at a time, each held for a few seconds then healed, with a quiet
/// gap between. kill: kill -9 a node, restart it. pause: SIGSTOP a node (the leader half the time), SIGCONT.
/// partition: cut a node (the leader half the time) off from the others through the peer proxies, or on 5
/// nodes split them 2/3 or bridge two halves through one node; heal. membership: remove a node (the leader
/// half the time) with RAFT.NODE REMOVE, let the cluster run without it, then kill it, wipe its data and start
/// it empty so it joins again (learner, then voter). transfer: RAFT.TRANSFER_LEADER to a random follower. crash: kill -9 every node at once, restart
/// them all. latency: 20–300 ms added to one node's incoming peer traffic, or everyone's. drop: a node's peer
/// connections closed again and again. All but crash leave a majority able to serve.
/// </summary>
public sealed partial class Nemesis(LocalCluster cluster, IReadOnlyList<string> faults, Random random, System.Diagnostics.Stopwatch clock, Action<string> log)
{
    private const int SigStop = 19, SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Signal(int pid, int signal);

    /// <summary>Every fault this nemesis knows.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["kill", "pause", "partition", "latency", "drop", "membership", "transfer", "crash"];

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
        _leader = leader;
        switch (kind)
        {
            case "kill":
                label = NameOf(target);
                log($"kill -9 {label}");
                target.Kill();
                await HoldAsync(hold, stop);
                await target.RestartAsync();
                break;
            case "pause":
                label = NameOf(target);
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
                label = Partition(target);
                log($"partition {label}");
                await HoldAsync(hold, stop);
                HealAll();
                break;
            case "latency":
                var delay = TimeSpan.FromMilliseconds(random.Next(20, 300));
                var slowed = random.Next(2) == 0 ? [target] : cluster.Nodes.ToList();
                label = $"+{delay.TotalMilliseconds:F0} ms into {(slowed.Count == 1 ? NameOf(target) : "every node")}";
                log($"latency {label}");
                slowed.ForEach(n => n.Proxy.Delay = delay);
                await HoldAsync(hold, stop);
                HealAll();
                break;
            case "drop":
                label = $"{NameOf(target)}'s peer connections, repeatedly";
                log($"drop {label}");
                for (var until = Now + (long)hold.TotalMilliseconds * 1_000_000; Now < until && !stop.IsCancellationRequested;)
                {
                    target.Proxy.DropConnections();
                    foreach (var other in cluster.Nodes.Where(n => n != target))
                    {
                        other.Proxy.DropConnections();
                    }
                    await HoldAsync(TimeSpan.FromMilliseconds(random.Next(100, 600)), stop);
                }
                break;
            case "membership":
                label = NameOf(target);
                log($"remove {label} from the cluster");
                var outcome = await CommandAsync(running.Where(n => n != target).ToList(), "RAFT.NODE", "REMOVE", target.Name);
                if (outcome != "OK")
                {
                    label += $" (removal refused: {outcome})";
                    break;
                }
                await HoldAsync(hold, stop);
                log($"wipe {target.Name} and add it back");
                await target.WipeAndRejoinAsync();
                label += ", wiped, added back";
                try
                {
                    await cluster.WaitForVotersAsync(cluster.Nodes.Count);
                }
                catch (TimeoutException ex)
                {
                    label += $" (not a voter again in time: {ex.Message})";
                }
                break;
            case "transfer":
                var from = leader ?? target;
                var to = running.Where(n => n != from).ToList() is { Count: > 0 } candidates ? candidates[random.Next(candidates.Count)] : from;
                label = $"{from.Name} → {to.Name}";
                log($"transfer leadership {label}");
                var moved = await CommandAsync([from], "RAFT.TRANSFER_LEADER", to.Name);
                if (moved != "OK")
                {
                    label += $" ({moved})";
                }
                await HoldAsync(hold, stop);
                break;
            case "crash":
                label = "all nodes";
                log("kill -9 every node");
                foreach (var node in running)
                {
                    node.Kill();
                }
                await HoldAsync(hold, stop);
                await Task.WhenAll(cluster.Nodes.Where(n => !n.IsRunning).Select(n => n.RestartAsync()));
                break;
            default:
                throw new ArgumentException($"unknown fault '{kind}' ({string.Join(", ", Kinds)})");
        }
        Timeline.Add(new FaultEvent(start, Now, kind, label));
        log($"end of {kind} {label}");
    }

    /// <summary>
    /// Cuts links through the proxies: the target alone against the rest; on 5 nodes also a 2/3 split (the
    /// target and one more), or a bridge (two halves that see only the target, which sees everyone).
    /// </summary>
    private string Partition(LocalCluster.Node target)
    {
        var others = cluster.Nodes.Where(n => n != target).OrderBy(_ => random.Next()).ToList();
        var shape = cluster.Nodes.Count >= 5 ? random.Next(3) : 0;
        void Cut(IEnumerable<LocalCluster.Node> a, IEnumerable<LocalCluster.Node> b)
        {
            foreach (var x in a)
            {
                foreach (var y in b)
                {
                    x.Proxy.Block(y.RaftId);
                    y.Proxy.Block(x.RaftId);
                }
            }
        }
        string Names(IEnumerable<LocalCluster.Node> nodes) => string.Join("+", nodes.Select(n => n == target ? NameOf(n) : n.Name));
        switch (shape)
        {
            case 1:
                Cut([target, others[0]], others.Skip(1));
                return $"{Names([target, others[0]])} | {Names(others.Skip(1))}";
            case 2:
                var half = others.Count / 2;
                Cut(others.Take(half), others.Skip(half));
                return $"{Names(others.Take(half))} | {Names(others.Skip(half))}, bridged by {NameOf(target)}";
            default:
                Cut([target], others);
                return $"{NameOf(target)} | rest";
        }
    }

    private LocalCluster.Node? _leader;

    private string NameOf(LocalCluster.Node node) => node == _leader ? node.Name + " (leader)" : node.Name;

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

    /// <summary>Sends a command to the first of <paramref name="via"/> that answers: its reply, or the error's text.</summary>
    private static async Task<string> CommandAsync(IReadOnlyList<LocalCluster.Node> via, string command, params object[] args)
    {
        var error = "no node to ask";
        foreach (var node in via)
        {
            try
            {
                return (await node.Db.ExecuteAsync(command, args).WaitAsync(TimeSpan.FromSeconds(15))).ToString();
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                error = ex.Message;
            }
        }
        return error;
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
