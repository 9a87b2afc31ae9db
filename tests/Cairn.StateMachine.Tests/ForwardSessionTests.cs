using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Forwarding sessions in Apply: a follower's write runs at most once and in its session's order, whatever copies
/// of it the log holds, across restarts and snapshots, the same on every replica.
/// </summary>
public class ForwardSessionTests
{
    private const ulong S = 0xA11CE;

    private static KvCommand Incr(string key) => new(KvOp.IncrBy, [B(key)], 1);

    private static SessionStamp Stamp(ulong seq, ulong answered = 1, ulong session = S, ulong previous = 0) => new(session, seq, answered, previous);

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ACopyOfAWriteThatRanIsAnsweredWithItsReplyAndNotRunAgain(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(1, h.WriteForwarded((Incr("n"), Stamp(1)))[0].Integer);
        // The same write again (its answer was lost), in its own batch and beside the next one in another.
        Assert.Equal(1, h.WriteForwarded((Incr("n"), Stamp(1)))[0].Integer);
        var replies = h.WriteForwarded((Incr("n"), Stamp(1)), (Incr("n"), Stamp(2)), (Incr("n"), Stamp(2)));
        Assert.Equal([1L, 2L, 2L], replies.Select(r => r.Integer));
        Assert.Equal("2", h.Get("n"));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void AWriteAheadOfItsPredecessorIsRefusedUntilTheyComeInOrder(string engine)
    {
        using var h = new Harness(engine);
        var early = h.WriteForwarded((Set("k", "2"), Stamp(2)));
        Assert.StartsWith(KvStateMachine.UnknownSessionRefusal, early[0].Text);
        Assert.Equal(KvReplyKind.Ok, h.WriteForwarded((Set("k", "1"), Stamp(1)))[0].Kind);
        var gap = h.WriteForwarded((Set("k", "3"), Stamp(3)));
        Assert.StartsWith("TRYAGAIN forwarded out of order (session 00000000000a11ce expects 2, got 3)", gap[0].Text);
        Assert.Equal("1", h.Get("k"));
        var inOrder = h.WriteForwarded((Set("k", "2"), Stamp(2)), (Set("k", "3"), Stamp(3)));
        Assert.All(inOrder, r => Assert.Equal(KvReplyKind.Ok, r.Kind));
        Assert.Equal("3", h.Get("k"));
    }

    /// <summary>Kept replies are stored with the session: every kind, negative integers too (the codec once threw on them, checked).</summary>
    [Fact]
    public void EveryKindOfReplyIsKeptAcrossARestart()
    {
        using var h = new Harness("rocksdb");
        var writes = new (KvCommand, SessionStamp)[]
        {
            (new KvCommand(KvOp.IncrBy, [B("n")], long.MinValue + 1), Stamp(1)),
            (Set("s", "v", KvFlags.Get), Stamp(2)),
            (Set("s", "w", KvFlags.Get), Stamp(3)),
            (new KvCommand(KvOp.IncrBy, [B("s")], 1), Stamp(4)),
            (new KvCommand(KvOp.IncrByFloat, [B("f")], @float: 1.5), Stamp(5)),
        };
        var first = h.WriteForwarded(writes).Select(r => r.ToString()).ToArray();
        Assert.Equal((long.MinValue + 1).ToString(), first[0]);
        h.Reopen();
        Assert.Equal(first, h.WriteForwarded(writes).Select(r => r.ToString()));
        Assert.Equal("w", h.Get("s"));
    }

    [Fact]
    public void SessionsSurviveARestartAndASnapshot()
    {
        using var h = new Harness("rocksdb");
        h.WriteForwarded((Incr("n"), Stamp(1)), (Incr("n"), Stamp(2)));
        h.Reopen();
        Assert.Equal(2, h.WriteForwarded((Incr("n"), Stamp(2)))[0].Integer);
        var checkpoint = Path.Combine(Path.GetTempPath(), "cairn-session-cp-" + Guid.NewGuid().ToString("N"));
        h.Machine.Checkpoint(checkpoint);
        using var other = new Harness("rocksdb");
        other.Machine.Restore(checkpoint);
        other.ContinueFromApplied();
        Assert.Equal(1, other.Machine.SessionCount);
        Assert.Equal(2, other.WriteForwarded((Incr("n"), Stamp(2)))[0].Integer);
        Assert.Equal(3, other.WriteForwarded((Incr("n"), Stamp(3)))[0].Integer);
        Assert.Equal("3", other.Get("n"));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void RepliesBelowWhatTheForwarderStillWaitsOnAreDropped(string engine)
    {
        using var h = new Harness(engine);
        h.WriteForwarded((Incr("n"), Stamp(1)), (Incr("n"), Stamp(2)));
        // The forwarder waits on 3 and up: 1 and 2 were answered, their replies are not kept.
        Assert.Equal(3, h.WriteForwarded((Incr("n"), Stamp(3, answered: 3)))[0].Integer);
        Assert.StartsWith("ERR the write (session 00000000000a11ce, seq 2) was applied before", h.WriteForwarded((Incr("n"), Stamp(2, answered: 3)))[0].Text);
        Assert.Equal("3", h.Get("n"));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ASessionUnusedForTheIdleTimeoutIsForgottenAndItsStragglersDoNotRun(string engine)
    {
        using var h = new Harness(engine);
        var opened = h.Now;
        h.WriteForwarded((Incr("n"), Stamp(1)));
        h.Now += KvStateMachine.SessionIdleTimeoutMs + 1;
        // Another session's write moves the log's clock past the first one's timeout: it is swept.
        h.WriteForwarded((Incr("m"), Stamp(1, session: 7)));
        Assert.Equal(1, h.Machine.SessionCount);
        Assert.StartsWith(KvStateMachine.UnknownSessionRefusal, h.WriteForwarded((Incr("n"), Stamp(2)))[0].Text);
        // A copy of its first write, stamped back then, cannot open it again.
        h.Now = opened;
        Assert.StartsWith(KvStateMachine.UnknownSessionRefusal, h.WriteForwarded((Incr("n"), Stamp(1)))[0].Text);
        Assert.Equal("1", h.Get("n"));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ANewSessionClosesTheOneItReplaces(string engine)
    {
        using var h = new Harness(engine);
        h.WriteForwarded((Set("k", "old"), Stamp(1)));
        Assert.Equal(KvReplyKind.Ok, h.WriteForwarded((Set("k", "new"), Stamp(1, session: 2, previous: S)))[0].Kind);
        // What the old session still had on its way never runs after the new one opened.
        Assert.StartsWith(KvStateMachine.UnknownSessionRefusal, h.WriteForwarded((Set("k", "late"), Stamp(2)))[0].Text);
        Assert.Equal("new", h.Get("k"));
        // Also a replaced session that never opened (its first write was still on its way) stays shut.
        h.WriteForwarded((Set("j", "x"), Stamp(1, session: 4, previous: 3)));
        Assert.StartsWith(KvStateMachine.UnknownSessionRefusal, h.WriteForwarded((Set("j", "late"), Stamp(1, session: 3)))[0].Text);
        Assert.Equal("x", h.Get("j"));
    }

    /// <summary>Replicas split the log into batches differently; sessions (and the digest) must not depend on it.</summary>
    [Fact]
    public void SessionsAreTheSameWhateverTheBatchesAndTheDigestsAgree()
    {
        var random = new Random(19);
        var writes = new List<(KvCommand, SessionStamp, long)>();
        var next = new Dictionary<ulong, ulong> { [1] = 1, [2] = 1, [3] = 1 };
        var now = 1_700_000_000_000L;
        for (var i = 0; i < 600; i++)
        {
            var session = (ulong)random.Next(1, 4);
            // Mostly the next write, sometimes a copy of an earlier one, a gap, or a long pause.
            var seq = random.Next(10) switch
            {
                0 => Math.Max(1, next[session] - (ulong)random.Next(1, 4)),
                1 => next[session] + 1,
                _ => next[session]++,
            };
            now += random.Next(20) == 0 ? KvStateMachine.SessionIdleTimeoutMs / 3 : random.Next(100);
            writes.Add((Incr($"n{random.Next(5)}"), new SessionStamp(session, seq, Math.Max(1, next[session] - 8), 0), now));
        }
        using var one = new Harness("memory");
        using var other = new Harness("rocksdb");
        var repliesOne = new List<string>();
        var repliesOther = new List<string>();
        Replay(one, writes, _ => 1, repliesOne);
        Replay(other, writes, r => r.Next(1, 40), repliesOther, new Random(7));
        Assert.Equal(repliesOne, repliesOther);
        Assert.Equal(one.Machine.Digest(), other.Machine.Digest());
        Assert.Equal(one.Machine.SessionCount, other.Machine.SessionCount);
        Assert.Contains(repliesOne, r => r.StartsWith("TRYAGAIN forwarded out of order", StringComparison.Ordinal));
        Assert.Contains(repliesOne, r => r.StartsWith(KvStateMachine.UnknownSessionRefusal, StringComparison.Ordinal));
    }

    private static void Replay(Harness h, List<(KvCommand Command, SessionStamp Stamp, long Now)> writes, Func<Random, int> size, List<string> replies, Random? random = null)
    {
        random ??= new Random(1);
        for (var at = 0; at < writes.Count;)
        {
            var count = Math.Min(size(random), writes.Count - at);
            replies.AddRange(h.WriteTimed(writes.Skip(at).Take(count).ToArray()).Select(r => r.ToString()));
            at += count;
        }
    }
}
