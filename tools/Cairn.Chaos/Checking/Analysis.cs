namespace Cairn.Chaos.Checking;

/// <summary>
/// Everything the checks say about one history: per-key linearizability, the whole-run checks, a shrunk failing
/// sub-history per key that is not linearizable, and each key's final value — what its final read (by
/// <see cref="FinalClient"/>, after every fault healed) returned. The same for a fresh run and for a history
/// file checked again.
/// </summary>
public sealed record Analysis(
    bool Valid,
    IReadOnlyList<KeyVerdict> Verdicts,
    IReadOnlyList<RunChecks.Finding> Findings,
    IReadOnlyDictionary<string, Shrunk> Shrunk,
    IReadOnlyDictionary<string, string?> Final)
{
    /// <summary>The client id of the final reads.</summary>
    public const int FinalClient = -1;

    public static Analysis Of(IReadOnlyList<Operation> history, TimeSpan checkBudget, TimeSpan shrinkBudget)
    {
        var final = history.Where(o => o.Client == FinalClient && o.Kind == OpKind.Read && o.Outcome == Outcome.Ok)
            .GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.MaxBy(o => o.Call)!.Output);
        var verdicts = LinearizabilityChecker.Check(history, checkBudget);
        var findings = RunChecks.Check(history, final).ToList();
        findings.AddRange(history.Select(o => o.Key).Distinct().Where(k => !final.ContainsKey(k)).Order(StringComparer.Ordinal)
            .Select(k => new RunChecks.Finding("no final read", k, "the key could not be read after every fault healed")));
        var shrunk = verdicts.Where(v => v.Linearizable == false).AsParallel()
            .Select(v => (v.Key, Ops: Minimizer.Minimize(history.Where(o => o.Key == v.Key).ToList(), shrinkBudget)))
            .ToDictionary(m => m.Key, m => m.Ops);
        var valid = verdicts.All(v => v.Linearizable == true) && findings.Count == 0;
        return new Analysis(valid, verdicts, findings, shrunk, final);
    }
}
