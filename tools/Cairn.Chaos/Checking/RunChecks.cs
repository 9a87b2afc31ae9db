namespace Cairn.Chaos.Checking;

/// <summary>
/// Whole-run checks beside linearizability, each a plain statement about the history:
/// every value read was written by someone; every acknowledged write survives to the final read unless a
/// later write replaced it; a counter's final value lies between the acknowledged increments and those plus
/// the unknown ones.
/// </summary>
public static class RunChecks
{
    public sealed record Finding(string Check, string Key, string Detail);

    /// <param name="final">Each key's value read after the faults healed (null = absent).</param>
    public static IReadOnlyList<Finding> Check(IReadOnlyList<Operation> history, IReadOnlyDictionary<string, string?> final)
    {
        var findings = new List<Finding>();
        foreach (var group in history.GroupBy(o => o.Key))
        {
            var key = group.Key;
            var ops = group.ToList();
            var counter = ops.Any(o => o.Kind == OpKind.Increment);
            if (counter)
            {
                CheckCounter(key, ops, final.GetValueOrDefault(key), findings);
                continue;
            }
            var written = ops.Where(o => o.Kind is OpKind.Write or OpKind.SetIfAbsent or OpKind.GetSet && o.Outcome != Outcome.Fail)
                .Select(o => o.Input).ToHashSet();
            foreach (var read in ops.Where(o => o.Outcome == Outcome.Ok && o.Kind is OpKind.Read or OpKind.GetSet && o.Output is not null))
            {
                if (!written.Contains(read.Output))
                {
                    findings.Add(new Finding("read of a value never written", key, read.ToString()));
                }
            }
            if (final.TryGetValue(key, out var value) && value is not null && !written.Contains(value))
            {
                findings.Add(new Finding("final value never written", key, value));
            }
            // The last acknowledged write that no other write could have followed must be the final value.
            var lastAcked = ops.Where(o => o.Outcome == Outcome.Ok && o.Kind is OpKind.Write or OpKind.GetSet or OpKind.Delete).MaxBy(o => o.Return);
            if (lastAcked is not null && final.TryGetValue(key, out var end))
            {
                var laterWriters = ops.Any(o => o != lastAcked && o.Outcome != Outcome.Fail && o.Kind != OpKind.Read
                    && (o.Outcome == Outcome.Unknown || o.Return > lastAcked.Call));
                var expected = lastAcked.Kind == OpKind.Delete ? null : lastAcked.Input;
                if (!laterWriters && end != expected)
                {
                    findings.Add(new Finding("acknowledged write lost", key, $"{lastAcked} but the final value is {end ?? "nil"}"));
                }
            }
        }
        return findings;
    }

    private static void CheckCounter(string key, List<Operation> ops, string? final, List<Finding> findings)
    {
        long acknowledged = 0;
        long unknown = 0;
        foreach (var op in ops.Where(o => o.Kind == OpKind.Increment))
        {
            var delta = long.Parse(op.Input!);
            if (op.Outcome == Outcome.Ok)
            {
                acknowledged += delta;
            }
            else if (op.Outcome == Outcome.Unknown)
            {
                unknown += delta;
            }
        }
        var value = final is null ? 0 : long.Parse(final);
        if (value < acknowledged || value > acknowledged + unknown)
        {
            findings.Add(new Finding("counter total", key, $"final {value}, acknowledged increments {acknowledged}, unknown {unknown}: expected {acknowledged}..{acknowledged + unknown}"));
        }
    }
}
