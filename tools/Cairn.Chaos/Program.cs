using System.CommandLine;
using Cairn.Chaos.Checking;

// cairn-chaos check HISTORY.jsonl: the linearizability verdict of a recorded history (exit 1 if it is not).
var root = new RootCommand("cairn-chaos: Jepsen-style fault injection and linearizability checking for Cairn");
var historyPath = new Argument<string>("history") { Description = "A history file (JSON lines) written by a run" };
var budget = new Option<double>("--budget") { Description = "Seconds the checker may search", DefaultValueFactory = _ => 60 };
var check = new Command("check", "Checks a recorded history for linearizability") { historyPath, budget };
check.SetAction(result =>
{
    var history = HistoryFile.Read(result.GetValue(historyPath)!);
    var verdicts = LinearizabilityChecker.Check(history, TimeSpan.FromSeconds(result.GetValue(budget)));
    foreach (var verdict in verdicts.Where(v => v.Linearizable != true))
    {
        Console.WriteLine($"{verdict.Key}: {(verdict.TimedOut ? "no verdict (out of time)" : "NOT linearizable")}; stuck at {verdict.Stuck}");
    }
    var bad = verdicts.Count(v => v.Linearizable == false);
    Console.WriteLine($"{history.Count} operations on {verdicts.Count} keys: {(bad == 0 ? "linearizable" : $"{bad} keys not linearizable")}");
    return bad == 0 && verdicts.All(v => !v.TimedOut) ? 0 : 1;
});
root.Subcommands.Add(check);

var nodes = new Option<int>("--nodes") { Description = "Cluster size (3 or 5)", DefaultValueFactory = _ => 3 };
var time = new Option<double>("--time") { Description = "Seconds of workload under faults", DefaultValueFactory = _ => 60 };
var faults = new Option<string>("--faults") { Description = "Comma-separated: kill, pause, partition, membership, transfer, crash; or all", DefaultValueFactory = _ => "kill,pause,partition" };
var seed = new Option<int>("--seed") { Description = "Seeds the fault schedule and the clients' choices", DefaultValueFactory = _ => 42 };
var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 10 };
var keys = new Option<int>("--keys") { Description = "Register keys (two counters come on top)", DefaultValueFactory = _ => 6 };
var stale = new Option<bool>("--stale-reads") { Description = "Clients send READONLY: reads may be stale, so the checker should find them" };
var output = new Option<string?>("--out") { Description = "Report folder (default chaos-runs/<time>-n<nodes>-seed<seed>)" };
var expectInvalid = new Option<bool>("--expect-invalid") { Description = "Exit 0 only if the run is found NOT linearizable (to prove the checker has teeth)" };
var run = new Command("run", "Runs a cluster under faults with concurrent clients and checks the history") { nodes, time, faults, seed, clients, keys, stale, output, budget, expectInvalid };
run.SetAction(async (result, _) =>
{
    var options = new Cairn.Chaos.Runner.RunOptions
    {
        Nodes = result.GetValue(nodes),
        Time = TimeSpan.FromSeconds(result.GetValue(time)),
        Faults = result.GetValue(faults) == "all"
            ? Cairn.Chaos.Runner.Nemesis.Kinds
            : result.GetValue(faults)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Seed = result.GetValue(seed),
        Clients = result.GetValue(clients),
        Keys = result.GetValue(keys),
        StaleReads = result.GetValue(stale),
        Output = result.GetValue(output),
        CheckBudget = TimeSpan.FromSeconds(result.GetValue(budget)),
    };
    if (options.Faults.Except(Cairn.Chaos.Runner.Nemesis.Kinds).ToList() is { Count: > 0 } unknown)
    {
        Console.Error.WriteLine($"unknown fault {string.Join(", ", unknown)}; known: {string.Join(", ", Cairn.Chaos.Runner.Nemesis.Kinds)}, or all");
        return 2;
    }
    if (options.Nodes is not (3 or 5) || options.Faults.Count == 0)
    {
        Console.Error.WriteLine("--nodes is 3 or 5, and --faults names at least one fault");
        return 2;
    }
    var valid = (await Cairn.Chaos.Runner.ChaosRun.RunAsync(options, Console.Out)).Valid;
    return valid != result.GetValue(expectInvalid) ? 0 : 1;
});
root.Subcommands.Add(run);
return await root.Parse(args).InvokeAsync();
