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
return await root.Parse(args).InvokeAsync();
