namespace Cairn.Chaos.Checking;

/// <summary>The verdict for one key.</summary>
public sealed record KeyVerdict(
    string Key,
    bool? Linearizable,
    int Operations,
    IReadOnlyList<Operation> Linearization,
    Operation? Stuck,
    TimeSpan Elapsed)
{
    /// <summary>Null when the search ran out of time (no verdict).</summary>
    public bool TimedOut => Linearizable is null;
}

/// <summary>
/// Linearizability checking in the manner of Wing &amp; Gong with Lowe's memoization (as Porcupine and Knossos do):
/// a depth-first search for an order of the operations that respects real time (an operation that returned
/// before another was called comes first) and the sequential <see cref="Model"/>, remembering (linearized set,
/// state) pairs already explored. Keys are independent, so each is checked alone (linearizability is local).
/// Failed operations did not happen and are left out; unknown ones may take effect at any point after their
/// call, or never (equivalently: at the very end, where no one observes them).
/// </summary>
public static class LinearizabilityChecker
{
    public static IReadOnlyList<KeyVerdict> Check(IEnumerable<Operation> history, TimeSpan budget)
    {
        var deadline = DateTime.UtcNow + budget;
        return history.GroupBy(o => o.Key).AsParallel().AsOrdered()
            .Select(g => CheckKey(g.Key, g.ToList(), deadline))
            .OrderBy(v => v.Key, StringComparer.Ordinal)
            .ToList();
    }

    private sealed class Entry
    {
        public required int Op;
        public required bool IsCall;
        public required long Time;
        public Entry? Match;
        public Entry? Prev;
        public Entry? Next;
    }

    /// <param name="initial">The key's value before the first operation: absent, or <see cref="Model.Any"/> for a window of a history.</param>
    public static KeyVerdict CheckKey(string key, IReadOnlyList<Operation> all, DateTime deadline, string? initial = null)
    {
        var started = DateTime.UtcNow;
        // Unknown reads have no effect and no observed output: nothing to place.
        var ops = all.Where(o => o.Outcome == Outcome.Ok || o.Outcome == Outcome.Unknown && o.Kind != OpKind.Read).ToList();
        var waitsFor = Interchangeable(ops);
        var head = Build(ops);
        var linearized = new BitSet(ops.Count);
        var cache = new HashSet<(BitSet, string?)>();
        var stack = new Stack<(Entry Call, string? Before)>();
        var state = initial;
        var best = new List<Operation>();
        var entry = head.Next;
        var steps = 0;
        while (head.Next is not null)
        {
            if ((++steps & 1023) == 0 && DateTime.UtcNow > deadline)
            {
                return new KeyVerdict(key, null, ops.Count, best, null, DateTime.UtcNow - started);
            }
            if (entry!.IsCall)
            {
                var op = ops[entry.Op];
                if ((waitsFor[entry.Op] < 0 || linearized.Contains(waitsFor[entry.Op])) && Model.Step(state, op, out var next))
                {
                    var candidate = linearized.With(entry.Op);
                    if (cache.Add((candidate, next)))
                    {
                        stack.Push((entry, state));
                        state = next;
                        linearized = candidate;
                        Lift(entry);
                        entry = head.Next;
                        continue;
                    }
                }
                entry = entry.Next;
            }
            else
            {
                // This operation returned, yet no order so far fits it before its return: back off, remembering
                // the longest order found (taken here, at its peak, rather than on every step up).
                if (stack.Count > best.Count)
                {
                    best = stack.Reverse().Select(s => ops[s.Call.Op]).ToList();
                }
                if (stack.Count == 0)
                {
                    return new KeyVerdict(key, false, ops.Count, best, FirstStuck(ops, best), DateTime.UtcNow - started);
                }
                var (call, before) = stack.Pop();
                state = before;
                linearized = linearized.Without(call.Op);
                Unlift(call);
                entry = call.Next;
            }
        }
        return new KeyVerdict(key, true, ops.Count, stack.Reverse().Select(s => ops[s.Call.Op]).ToList(), null, DateTime.UtcNow - started);
    }

    /// <summary>
    /// Symmetry reduction: unknown operations of the same kind and input (say, two INCRBY 1 that timed out) are
    /// interchangeable — any order using the later-called one and not the earlier could use the earlier instead,
    /// and both may take effect at any point after their calls, or never. So each may be placed only after the
    /// previous one of its kind (the index returned, or -1); without this, k of them make 2^k equivalent states.
    /// </summary>
    private static int[] Interchangeable(List<Operation> ops)
    {
        var waitsFor = new int[ops.Count];
        var last = new Dictionary<(OpKind, string?), int>();
        foreach (var i in Enumerable.Range(0, ops.Count).OrderBy(i => ops[i].Call).ThenBy(i => i))
        {
            waitsFor[i] = -1;
            if (ops[i].Outcome == Outcome.Unknown)
            {
                waitsFor[i] = last.GetValueOrDefault((ops[i].Kind, ops[i].Input), -1);
                last[(ops[i].Kind, ops[i].Input)] = i;
            }
        }
        return waitsFor;
    }

    /// <summary>The earliest-returning operation left out of the longest order found: where the history breaks.</summary>
    private static Operation? FirstStuck(List<Operation> ops, List<Operation> best)
    {
        var placed = best.Select(o => o.Id).ToHashSet();
        return ops.Where(o => !placed.Contains(o.Id) && o.Outcome == Outcome.Ok).MinBy(o => o.Return);
    }

    /// <summary>Calls and returns in time order (a call before a return at the same instant: they overlap), linked behind a sentinel.</summary>
    private static Entry Build(List<Operation> ops)
    {
        var entries = new List<Entry>(ops.Count * 2);
        for (var i = 0; i < ops.Count; i++)
        {
            var call = new Entry { Op = i, IsCall = true, Time = ops[i].Call };
            var ret = new Entry { Op = i, IsCall = false, Time = ops[i].Outcome == Outcome.Unknown ? long.MaxValue : ops[i].Return };
            call.Match = ret;
            entries.Add(call);
            entries.Add(ret);
        }
        entries.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.IsCall == b.IsCall ? a.Op.CompareTo(b.Op) : a.IsCall ? -1 : 1);
        var head = new Entry { Op = -1, IsCall = false, Time = long.MinValue };
        var previous = head;
        foreach (var e in entries)
        {
            previous.Next = e;
            e.Prev = previous;
            previous = e;
        }
        return head;
    }

    /// <summary>Takes a call and its return out of the list (they keep their links, to go back in).</summary>
    private static void Lift(Entry call)
    {
        call.Prev!.Next = call.Next;
        if (call.Next is not null)
        {
            call.Next.Prev = call.Prev;
        }
        var ret = call.Match!;
        ret.Prev!.Next = ret.Next;
        if (ret.Next is not null)
        {
            ret.Next.Prev = ret.Prev;
        }
    }

    private static void Unlift(Entry call)
    {
        var ret = call.Match!;
        ret.Prev!.Next = ret;
        if (ret.Next is not null)
        {
            ret.Next.Prev = ret;
        }
        call.Prev!.Next = call;
        if (call.Next is not null)
        {
            call.Next.Prev = call;
        }
    }
}
