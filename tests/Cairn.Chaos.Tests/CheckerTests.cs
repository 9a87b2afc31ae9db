using System.Diagnostics;
using Cairn.Chaos.Checking;

namespace Cairn.Chaos.Tests;

/// <summary>The checker on hand-made histories: it must reject what is not linearizable and accept what is.</summary>
public class CheckerTests
{
    private int _id;

    // Times in milliseconds for readability; the checker only compares them.
    private Operation Op(int client, OpKind kind, string? input, string? output, long call, long ret, Outcome outcome = Outcome.Ok, string key = "k") =>
        new(_id++, client, key, kind, input, output, call, ret, outcome);

    private static KeyVerdict Verdict(params Operation[] ops) => Assert.Single(LinearizabilityChecker.Check(ops, TimeSpan.FromSeconds(10)));

    [Fact]
    public void AStaleReadAfterAnAcknowledgedWriteIsRejected()
    {
        var verdict = Verdict(
            Op(1, OpKind.Write, "1", "OK", 0, 10),
            Op(1, OpKind.Write, "2", "OK", 20, 30),
            Op(2, OpKind.Read, null, "1", 40, 50));
        Assert.False(verdict.Linearizable);
        Assert.NotNull(verdict.Stuck);
    }

    [Fact]
    public void ALostUpdateIsRejected()
    {
        // Two increments both acknowledged with the same result: one of them was lost.
        var verdict = Verdict(
            Op(1, OpKind.Increment, "1", "1", 0, 10),
            Op(2, OpKind.Increment, "1", "1", 5, 15),
            Op(3, OpKind.Read, null, "1", 20, 25));
        Assert.False(verdict.Linearizable);
    }

    [Fact]
    public void AReadOfANeverWrittenValueIsRejected()
    {
        Assert.False(Verdict(
            Op(1, OpKind.Write, "a", "OK", 0, 10),
            Op(2, OpKind.Read, null, "zzz", 5, 15)).Linearizable);
        var findings = RunChecks.Check([Op(1, OpKind.Write, "a", "OK", 0, 10, key: "x"), Op(2, OpKind.Read, null, "zzz", 5, 15, key: "x")], new Dictionary<string, string?> { ["x"] = "a" });
        Assert.Contains(findings, f => f.Check == "read of a value never written");
    }

    [Fact]
    public void OverlappingOperationsMayTakeEffectInEitherOrder()
    {
        // The read overlaps both writes: it may see either value, or none.
        Assert.True(Verdict(
            Op(1, OpKind.Write, "1", "OK", 0, 100),
            Op(2, OpKind.Write, "2", "OK", 10, 90),
            Op(3, OpKind.Read, null, "1", 20, 30),
            Op(3, OpKind.Read, null, "2", 40, 50)).Linearizable);
        // But two sequential reads cannot flip back to the first value with no write in between them.
        Assert.False(Verdict(
            Op(1, OpKind.Write, "1", "OK", 0, 20),
            Op(2, OpKind.Write, "2", "OK", 0, 20),
            Op(3, OpKind.Read, null, "1", 30, 40),
            Op(3, OpKind.Read, null, "2", 50, 60),
            Op(3, OpKind.Read, null, "1", 70, 80)).Linearizable);
    }

    [Fact]
    public void AnUnknownWriteMayHaveHappenedLateOrNever()
    {
        // Unknown write of 2: a read long after may see it...
        Assert.True(Verdict(
            Op(1, OpKind.Write, "1", "OK", 0, 10),
            Op(2, OpKind.Write, "2", null, 20, 0, Outcome.Unknown),
            Op(3, OpKind.Read, null, "2", 1000, 1010)).Linearizable);
        // ...or not see it,
        Assert.True(Verdict(
            Op(1, OpKind.Write, "1", "OK", 0, 10),
            Op(2, OpKind.Write, "2", null, 20, 0, Outcome.Unknown),
            Op(3, OpKind.Read, null, "1", 1000, 1010)).Linearizable);
        // but once seen it cannot be unseen without another write.
        Assert.False(Verdict(
            Op(1, OpKind.Write, "1", "OK", 0, 10),
            Op(2, OpKind.Write, "2", null, 20, 0, Outcome.Unknown),
            Op(3, OpKind.Read, null, "2", 1000, 1010),
            Op(3, OpKind.Read, null, "1", 1020, 1030)).Linearizable);
        // It cannot take effect before it was called.
        Assert.False(Verdict(
            Op(3, OpKind.Read, null, "2", 0, 10),
            Op(2, OpKind.Write, "2", null, 20, 0, Outcome.Unknown)).Linearizable);
    }

    [Fact]
    public void AFailedOperationDidNotHappen()
    {
        Assert.False(Verdict(
            Op(1, OpKind.Write, "1", null, 0, 10, Outcome.Fail),
            Op(2, OpKind.Read, null, "1", 20, 30)).Linearizable);
    }

    [Fact]
    public void CompareAndSetStyleOperationsFollowTheModel()
    {
        Assert.True(Verdict(
            Op(1, OpKind.SetIfAbsent, "a", "OK", 0, 10),
            Op(2, OpKind.SetIfAbsent, "b", null, 20, 30),
            Op(3, OpKind.GetSet, "c", "a", 40, 50),
            Op(1, OpKind.Read, null, "c", 60, 70),
            Op(2, OpKind.Delete, null, "1", 80, 90),
            Op(3, OpKind.SetIfAbsent, "d", "OK", 100, 110)).Linearizable);
        // Two SET NX that both succeed: two lock holders.
        Assert.False(Verdict(
            Op(1, OpKind.SetIfAbsent, "a", "OK", 0, 10),
            Op(2, OpKind.SetIfAbsent, "b", "OK", 5, 15)).Linearizable);
    }

    [Fact]
    public void KeysAreCheckedIndependently()
    {
        var verdicts = LinearizabilityChecker.Check([
            Op(1, OpKind.Write, "1", "OK", 0, 10, key: "good"),
            Op(2, OpKind.Read, null, "1", 20, 30, key: "good"),
            Op(1, OpKind.Write, "1", "OK", 0, 10, key: "bad"),
            Op(2, OpKind.Read, null, null, 20, 30, key: "bad"),
        ], TimeSpan.FromSeconds(10));
        Assert.True(verdicts.Single(v => v.Key == "good").Linearizable);
        Assert.False(verdicts.Single(v => v.Key == "bad").Linearizable);
    }

    [Fact]
    public void AFailingHistoryShrinksToTheOperationsThatShowTheBug()
    {
        var ops = new List<Operation>();
        for (var i = 0; i < 30; i++)
        {
            ops.Add(Op(1, OpKind.Write, $"v{i}", "OK", i * 100, i * 100 + 10));
            ops.Add(Op(2, OpKind.Read, null, $"v{i}", i * 100 + 20, i * 100 + 30));
        }
        // The stale read: after v29 was written and read, a read returns v3.
        ops.Add(Op(3, OpKind.Read, null, "v3", 5000, 5010));
        Assert.False(Verdict([.. ops]).Linearizable);
        var shrunk = Minimizer.Minimize(ops, TimeSpan.FromSeconds(20));
        // Something that shows v29 (its write or its read), then the read of v3: two operations, in a window
        // that may start from any value.
        Assert.Equal(2, shrunk.Operations.Count);
        Assert.True(shrunk.FromAnyValue);
        Assert.Contains(shrunk.Operations, o => o.Output == "v3" && o.Call == 5000);
        Assert.Contains(shrunk.Operations, o => o.Input == "v29" || o.Output == "v29");
        Assert.False(LinearizabilityChecker.CheckKey("k", shrunk.Operations, DateTime.UtcNow.AddSeconds(10), Model.Any).Linearizable);
    }

    [Fact]
    public void ShrinkingNeverDropsAWriteThatWouldInventAViolation()
    {
        // Lock, unlock, lock again — then a stale read of the first holder. Dropping the DEL would make the two
        // successful SET NX look like a violation of their own; the shrunk history must keep it.
        var shrunk = Minimizer.Minimize([
            Op(1, OpKind.SetIfAbsent, "a", "OK", 0, 10),
            Op(1, OpKind.Delete, null, "1", 20, 30),
            Op(2, OpKind.SetIfAbsent, "b", "OK", 40, 50),
            Op(3, OpKind.Read, null, "a", 60, 70),
        ], TimeSpan.FromSeconds(10));
        Assert.Contains(shrunk.Operations, o => o.Kind == OpKind.Read && o.Output == "a");
        Assert.Contains(shrunk.Operations, o => o.Kind == OpKind.SetIfAbsent && o.Input == "b");
        Assert.DoesNotContain(shrunk.Operations, o => o.Kind == OpKind.SetIfAbsent && o.Input == "a" && shrunk.Operations.All(d => d.Kind != OpKind.Delete));
    }

    [Fact]
    public void ALongFailingHistoryShrinksToAFewOperations()
    {
        // Four clients writing and reading, overlapping, 10,000 operations, with one stale read in the middle.
        var ops = new List<Operation>();
        for (var i = 0; i < 5_000; i++)
        {
            ops.Add(Op(i % 4, OpKind.Write, $"v{i}", "OK", i * 100, i * 100 + 60));
            ops.Add(Op((i + 1) % 4, OpKind.Read, null, $"v{i}", i * 100 + 70, i * 100 + 150));
        }
        ops.Add(Op(9, OpKind.Read, null, "v100", 300_000, 300_010));
        var shrunk = Minimizer.Minimize(ops, TimeSpan.FromSeconds(60));
        Assert.True(shrunk.Operations.Count <= 3, string.Join("\n", shrunk.Operations));
        Assert.Contains(shrunk.Operations, o => o.Client == 9);
        Assert.Contains(shrunk.Operations, o => o.Input == "v2999" || o.Output == "v2999");
        Assert.False(LinearizabilityChecker.CheckKey("k", shrunk.Operations, DateTime.UtcNow.AddSeconds(10), Model.Any).Linearizable);
    }

    [Fact]
    public void AReadOfANeverWrittenValueAtTheStartShrinksFromTheAbsentKey()
    {
        var shrunk = Minimizer.Minimize([
            Op(2, OpKind.Read, null, "7", 0, 10),
            Op(1, OpKind.Write, "1", "OK", 20, 30),
            Op(2, OpKind.Read, null, "1", 40, 50),
        ], TimeSpan.FromSeconds(10));
        // From "anything" the read of 7 is fine, so the failing history must start from the absent key.
        Assert.False(shrunk.FromAnyValue);
        Assert.Equal(["7"], shrunk.Operations.Select(o => o.Output));
    }

    [Fact]
    public void ManyUnknownIncrementsDoNotExplodeTheSearch()
    {
        // Forty INCR that timed out may each have happened or not: 2^40 subsets, but all alike. An acknowledged
        // INCR answering 100 is impossible (at most 41), and the checker must say so, not run out of time.
        var ops = Enumerable.Range(0, 40).Select(i => Op(i, OpKind.Increment, "1", null, i, 0, Outcome.Unknown)).ToList();
        ops.Add(Op(50, OpKind.Increment, "1", "100", 100, 110));
        Assert.False(LinearizabilityChecker.CheckKey("k", ops, DateTime.UtcNow.AddSeconds(30)).Linearizable);
        ops[^1] = Op(50, OpKind.Increment, "1", "27", 100, 110);
        Assert.True(LinearizabilityChecker.CheckKey("k", ops, DateTime.UtcNow.AddSeconds(30)).Linearizable);
    }

    [Fact]
    public void TenThousandOperationsAreCheckedWithinSeconds()
    {
        // Ten clients on five keys, each operation overlapping its neighbours, values read back as a real run would.
        var random = new Random(42);
        var ops = new List<Operation>();
        var values = new Dictionary<string, string?>();
        long clock = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var key = $"k{random.Next(5)}";
            var client = random.Next(10);
            var call = clock;
            clock += random.Next(1, 5);
            // The effect happens now, in the middle; the call and the return straddle it.
            Operation op;
            switch (random.Next(4))
            {
                case 0:
                    values[key] = $"w{i}";
                    op = Op(client, OpKind.Write, $"w{i}", "OK", call, clock + random.Next(1, 20), key: key);
                    break;
                case 1:
                    var old = values.GetValueOrDefault(key);
                    values[key] = $"g{i}";
                    op = Op(client, OpKind.GetSet, $"g{i}", old, call, clock + random.Next(1, 20), key: key);
                    break;
                case 2 when random.Next(10) == 0:
                    op = Op(client, OpKind.Write, $"u{i}", null, call, 0, Outcome.Unknown, key);
                    break;
                default:
                    op = Op(client, OpKind.Read, null, values.GetValueOrDefault(key), call, clock + random.Next(1, 20), key: key);
                    break;
            }
            ops.Add(op);
        }
        var watch = Stopwatch.StartNew();
        var verdicts = LinearizabilityChecker.Check(ops, TimeSpan.FromSeconds(60));
        watch.Stop();
        Assert.All(verdicts, v => Assert.True(v.Linearizable, $"{v.Key}: stuck at {v.Stuck}"));
        Assert.Equal(10_000, verdicts.Sum(v => v.Operations));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Fact]
    public void CounterTotalsMustLieBetweenTheAcknowledgedAndThePossible()
    {
        var history = new[]
        {
            Op(1, OpKind.Increment, "1", "1", 0, 10, key: "n"),
            Op(2, OpKind.Increment, "1", null, 5, 0, Outcome.Unknown, "n"),
            Op(3, OpKind.Increment, "1", "2", 20, 30, key: "n"),
        };
        Assert.Empty(RunChecks.Check(history, new Dictionary<string, string?> { ["n"] = "3" }));
        Assert.Empty(RunChecks.Check(history, new Dictionary<string, string?> { ["n"] = "2" }));
        Assert.Contains(RunChecks.Check(history, new Dictionary<string, string?> { ["n"] = "1" }), f => f.Check == "counter total");
        Assert.Contains(RunChecks.Check(history, new Dictionary<string, string?> { ["n"] = "4" }), f => f.Check == "counter total");
    }

    [Fact]
    public void ALostAcknowledgedWriteIsFoundAtTheEnd()
    {
        var history = new[]
        {
            Op(1, OpKind.Write, "a", "OK", 0, 10, key: "x"),
            Op(1, OpKind.Write, "b", "OK", 20, 30, key: "x"),
        };
        Assert.Empty(RunChecks.Check(history, new Dictionary<string, string?> { ["x"] = "b" }));
        Assert.Contains(RunChecks.Check(history, new Dictionary<string, string?> { ["x"] = "a" }), f => f.Check == "acknowledged write lost");
    }
}
