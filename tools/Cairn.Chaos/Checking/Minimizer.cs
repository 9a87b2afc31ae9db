namespace Cairn.Chaos.Checking;

/// <summary>A failing sub-history: its operations, and whether it starts from an unknown value (a window).</summary>
public sealed record Shrunk(IReadOnlyList<Operation> Operations, bool FromAnyValue);

/// <summary>
/// Shrinks a non-linearizable history of one key to a small one that is still not linearizable — what a person
/// reads to see the bug. Every step is sound: if the shrunk history is not linearizable, neither is the original
/// (dropping a write could invent a violation, e.g. the DEL between two successful SET NX, so writes are never
/// dropped from inside the window). The steps:
/// <list type="number">
/// <item>cut the tail at the earliest time T by which the history already fails: operations called after T are
/// dropped, those still running at T become unknown (bisection; failing is monotone in T);</item>
/// <item>cut the head at the latest quiescent instant (no acknowledged operation running) such that the rest,
/// started from <see cref="Model.Any"/> value, still fails; unknown operations from before it are kept, as they
/// may take effect later (bisection over quiescent instants);</item>
/// <item>delta debugging (ddmin) over the operations that cannot change the value — reads, SET NX that did not
/// set, DEL of an absent key — dropping chunks of halving size.</item>
/// </list>
/// Each step stops at <paramref name="budget"/>; the result is then larger but still a failing sub-history.
/// </summary>
public static class Minimizer
{
    public static Shrunk Minimize(IReadOnlyList<Operation> failing, TimeSpan budget)
    {
        var deadline = DateTime.UtcNow + budget;
        var ops = failing.Where(o => o.Outcome != Outcome.Fail).OrderBy(o => o.Call).ThenBy(o => o.Id).ToList();
        var verdict = ops.Count == 0 ? null : LinearizabilityChecker.CheckKey(ops[0].Key, ops, deadline);
        if (verdict?.Linearizable != false)
        {
            return new Shrunk(failing, false);
        }
        ops = CutTail(ops, verdict.Stuck, deadline);
        var (window, fromAny) = CutHead(ops, deadline);
        return new Shrunk(DeltaDebug(window, fromAny ? Model.Any : null, deadline), fromAny);
    }

    private static bool Fails(List<Operation> ops, string? initial, DateTime deadline) =>
        ops.Count > 0 && LinearizabilityChecker.CheckKey(ops[0].Key, ops, deadline, initial).Linearizable == false;

    private static long End(Operation o) => o.Outcome == Outcome.Unknown ? long.MaxValue : o.Return;

    /// <summary>The history as seen at instant <paramref name="t"/>.</summary>
    private static List<Operation> At(List<Operation> ops, long t) =>
        ops.Where(o => o.Call <= t)
            .Select(o => End(o) <= t ? o : o with { Outcome = Outcome.Unknown, Output = null })
            .ToList();

    /// <param name="stuck">Where the checker got stuck: the history most likely fails by its return already.</param>
    private static List<Operation> CutTail(List<Operation> ops, Operation? stuck, DateTime deadline)
    {
        var times = ops.Where(o => o.Outcome == Outcome.Ok).Select(o => o.Return).Distinct().Order().ToList();
        var guess = stuck is null ? -1 : times.BinarySearch(stuck.Return);
        if (guess >= 0 && Fails(At(ops, times[guess]), null, deadline))
        {
            times.RemoveRange(guess + 1, times.Count - guess - 1);
        }
        var first = FirstFailing(times.Count, i => Fails(At(ops, times[i]), null, deadline), deadline);
        return first < times.Count ? At(ops, times[first]) : ops;
    }

    private static (List<Operation> Window, bool FromAny) CutHead(List<Operation> ops, DateTime deadline)
    {
        // Quiescent starts, latest first: indices i (in call order) where every acknowledged operation called
        // before ops[i] returned before it was called.
        var starts = new List<int>();
        var latestReturn = long.MinValue;
        for (var i = 1; i < ops.Count; i++)
        {
            if (ops[i - 1].Outcome == Outcome.Ok)
            {
                latestReturn = Math.Max(latestReturn, ops[i - 1].Return);
            }
            if (latestReturn < ops[i].Call)
            {
                starts.Add(i);
            }
        }
        starts.Reverse();
        List<Operation> From(int start) =>
            ops.Take(start).Where(o => o.Outcome == Outcome.Unknown).Concat(ops.Skip(start)).ToList();
        var first = FirstFailing(starts.Count, i => Fails(From(starts[i]), Model.Any, deadline), deadline);
        return first < starts.Count ? (From(starts[first]), true) : (ops, false);
    }

    /// <summary>
    /// The least i in [0, n) with fails(i), for fails monotone (false, ..., false, true, ...), or n if none is
    /// found in time. Gallops up from 0, then bisects: probes below the answer are small histories that pass
    /// quickly, while a failing probe makes the search exhaust its options, so few probes should fail.
    /// </summary>
    private static int FirstFailing(int n, Func<int, bool> fails, DateTime deadline)
    {
        int passed = -1, failed = n;
        for (var step = 1; passed + step < n && DateTime.UtcNow < deadline; step *= 2)
        {
            if (fails(passed + step))
            {
                failed = passed + step;
                break;
            }
            passed += step;
        }
        while (failed - passed > 1 && DateTime.UtcNow < deadline)
        {
            var middle = passed + (failed - passed) / 2;
            if (fails(middle))
            {
                failed = middle;
            }
            else
            {
                passed = middle;
            }
        }
        return failed;
    }

    private static bool KeepsValue(Operation o) => o.Kind switch
    {
        OpKind.Read => true,
        OpKind.SetIfAbsent => o.Outcome == Outcome.Ok && o.Output is null,
        OpKind.Delete => o.Outcome == Outcome.Ok && o.Output == "0",
        OpKind.Increment => o.Outcome == Outcome.Ok && o.Output is null,
        _ => false,
    };

    private static List<Operation> DeltaDebug(List<Operation> ops, string? initial, DateTime deadline)
    {
        var removable = ops.Where(KeepsValue).Select(o => o.Id).ToList();
        var chunk = Math.Max(1, removable.Count / 2);
        while (removable.Count > 0 && DateTime.UtcNow < deadline)
        {
            var removedAny = false;
            for (var start = 0; start < removable.Count && DateTime.UtcNow < deadline;)
            {
                var drop = removable.Skip(start).Take(chunk).ToHashSet();
                var candidate = ops.Where(o => !drop.Contains(o.Id)).ToList();
                if (Fails(candidate, initial, deadline))
                {
                    ops = candidate;
                    removable.RemoveRange(start, Math.Min(chunk, removable.Count - start));
                    removedAny = true;
                }
                else
                {
                    start += chunk;
                }
            }
            if (chunk == 1 && !removedAny)
            {
                break;
            }
            chunk = Math.Max(1, chunk / 2);
        }
        return ops;
    }
}
