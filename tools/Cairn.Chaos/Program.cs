using System.CommandLine;
using Cairn.Chaos.Checking;

// cairn-chaos check HISTORY.jsonl: the verdict of a recorded history (exit 1 if it is not valid), optionally
// with a fresh report (verdict.txt, timeline.html; faults from the faults.jsonl beside the history, if any).
var root = new RootCommand("cairn-chaos: Jepsen-style fault injection and linearizability checking for Cairn");
var historyPath = new Argument<string>("history") { Description = "A history file (JSON lines) written by a run" };
var budget = new Option<double>("--budget") { Description = "Seconds the checker may search", DefaultValueFactory = _ => 120 };
var reportTo = new Option<string?>("--out") { Description = "Write verdict.txt and timeline.html to this folder" };
var check = new Command("check", "Checks a recorded history: linearizability per key, then the whole-run checks") { historyPath, budget, reportTo };
check.SetAction(result =>
{
    var path = result.GetValue(historyPath)!;
    var history = HistoryFile.Read(path);
    var analysis = Analysis.Of(history, TimeSpan.FromSeconds(result.GetValue(budget)), TimeSpan.FromSeconds(30));
    foreach (var verdict in analysis.Verdicts.Where(v => v.Linearizable != true))
    {
        Console.WriteLine($"{verdict.Key}: {(verdict.TimedOut ? "no verdict (out of time)" : "NOT linearizable")}; stuck at {verdict.Stuck}");
    }
    foreach (var finding in analysis.Findings)
    {
        Console.WriteLine($"{finding.Key}: {finding.Check}: {finding.Detail}");
    }
    Console.WriteLine($"{history.Count} operations on {analysis.Verdicts.Count} keys: {(analysis.Valid ? "valid" : "INVALID")}");
    if (result.GetValue(reportTo) is { } folder)
    {
        var faultsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "faults.jsonl");
        var faults = File.Exists(faultsPath)
            ? File.ReadLines(faultsPath).Where(l => l.Length > 0).Select(l => System.Text.Json.JsonSerializer.Deserialize<Cairn.Chaos.Runner.FaultEvent>(l)!).ToList()
            : [];
        Cairn.Chaos.Reporting.Report.WriteVerdict(folder, $"checked again from {path}", history, faults, analysis);
        Console.WriteLine($"report in {Path.GetFullPath(folder)}");
    }
    return analysis.Valid ? 0 : 1;
});
root.Subcommands.Add(check);

var nodes = new Option<int>("--nodes") { Description = "Cluster size (3 or 5)", DefaultValueFactory = _ => 3 };
var time = new Option<double>("--time") { Description = "Seconds of workload under faults", DefaultValueFactory = _ => 60 };
var faults = new Option<string>("--faults") { Description = "Comma-separated: kill, pause, partition, latency, drop, membership, transfer, crash; or all", DefaultValueFactory = _ => "kill,pause,partition" };
var seed = new Option<int>("--seed") { Description = "Seeds the fault schedule and the clients' choices", DefaultValueFactory = _ => 42 };
var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 10 };
var pipelineClients = new Option<int>("--pipeline-clients") { Description = "Clients pipelining writes to a key each, checked for per-connection order", DefaultValueFactory = _ => 2 };
var counterClients = new Option<int>("--counter-clients") { Description = "Clients pipelining INCRs through followers, checked for at-most-once", DefaultValueFactory = _ => 2 };
var keys = new Option<int>("--keys") { Description = "Register keys (two counters come on top)", DefaultValueFactory = _ => 6 };
var lifetime = new Option<double>("--key-lifetime") { Description = "Seconds clients use one key set before moving to fresh keys", DefaultValueFactory = _ => 30 };
var stale = new Option<bool>("--stale-reads") { Description = "Clients send READONLY: reads may be stale, so the checker should find them" };
var output = new Option<string?>("--out") { Description = "Report folder (default chaos-runs/<time>-n<nodes>-seed<seed>)" };
var expectInvalid = new Option<bool>("--expect-invalid") { Description = "Exit 0 only if the run is found NOT linearizable (to prove the checker has teeth)" };
Option[] runOptions = [nodes, time, faults, seed, clients, pipelineClients, counterClients, keys, lifetime, stale, output, budget, expectInvalid];
async Task<int> RunAsync(ParseResult result)
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
        PipelineClients = result.GetValue(pipelineClients),
        CounterClients = result.GetValue(counterClients),
        Keys = result.GetValue(keys),
        KeyLifetime = TimeSpan.FromSeconds(result.GetValue(lifetime)),
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
}

// `cairn-chaos run [options]`, or the same options with no command at all.
var run = new Command("run", "Runs a cluster under faults with concurrent clients and checks the history (the default)");
foreach (var option in runOptions)
{
    run.Options.Add(option);
    root.Options.Add(option);
}
run.SetAction((result, _) => RunAsync(result));
root.SetAction((result, _) => RunAsync(result));
root.Subcommands.Add(run);
return await root.Parse(args).InvokeAsync();
