using System.Text;
using Cairn.StateMachine;

namespace Cairn.Replication.Tests;

/// <summary>
/// The follower's side of forwarding sessions, step by step: what goes again, with which numbers, in which session,
/// and what each client is told.
/// </summary>
public class ForwarderTests
{
    private const long Grace = 1000;

    private static Forwarder NewForwarder(int maxBatch = 3) =>
        new(maxBatch, Grace, item => $"not applied ({item.Refusal ?? "no answer"})", () => "TIMEOUT unknown");

    private static PendingReply Write(string key, long deadline = 100) => new(new KvCommand(KvOp.Set, [Encoding.UTF8.GetBytes(key), [1]]), deadline);

    private static ForwardResult Applied(KvReply reply) => new(reply, WriteOutcome.Applied);

    private static ForwardResult[] Each(int count, ForwardResult result) => Enumerable.Repeat(result, count).ToArray();

    private static string Answer(PendingReply p) => p.IsCompleted ? p.Task.Result.ToString() : "(waiting)";

    [Fact]
    public void ABatchThatDidNotArriveGoesAgainWithEverythingAfterItInOrderAndTheSameNumbers()
    {
        var f = NewForwarder();
        var writes = new[] { Write("a"), Write("b"), Write("c") };
        var first = f.Take(writes[..2]);
        var second = f.Take(writes[2..]);
        Assert.Equal([1UL, 2UL], first.Writes.Select(w => w.Stamp.Seq));
        Assert.Equal(3UL, second.Writes[0].Stamp.Seq);
        Assert.True(f.Answered(first, null));
        Assert.False(f.ResendDue);
        Assert.False(f.CanTakeNew);
        // The leader took the second but refused it: its predecessors were missing.
        f.Answered(second, [Applied(KvReply.Error("TRYAGAIN forwarded out of order (session 1 expects 1, got 3); the write was not applied"))]);
        Assert.True(f.ResendDue);
        var again = Assert.Single(f.Resend());
        Assert.Equal(first.Session, again.Session);
        Assert.Equal([1UL, 2UL, 3UL], again.Writes.Select(w => w.Stamp.Seq));
        Assert.All(again.Writes, w => Assert.Equal(1UL, w.Stamp.Answered));
        f.Answered(again, Each(3, Applied(KvReply.Ok)));
        Assert.All(writes, w => Assert.Equal("OK", Answer(w)));
        Assert.Equal(0, f.Unanswered);
        Assert.Equal(3, f.Resent);
    }

    [Fact]
    public void AWriteThatMayHaveRunIsNeverAnsweredNotAppliedAndItsRealReplyComesWhenItGoesAgain()
    {
        var f = NewForwarder();
        var incr = Write("n");
        var batch = f.Take([incr]);
        f.Answered(batch, [new ForwardResult(KvReply.Error("TIMEOUT the write's outcome is unknown: connection reset"), WriteOutcome.Unknown)]);
        batch = Assert.Single(f.Resend());
        // Sent again to a node that no longer leads: not run there, but the first send may have run.
        f.Answered(batch, [new ForwardResult(KvReply.Error("MISCONF Errors writing to the Raft log"), WriteOutcome.NotApplied)]);
        Assert.Equal("(waiting)", Answer(incr));
        batch = Assert.Single(f.Resend());
        Assert.Equal(1UL, batch.Writes[0].Stamp.Seq);
        f.Answered(batch, [Applied(KvReply.Int(7))]);
        Assert.Equal("7", Answer(incr));
    }

    [Fact]
    public void AWriteRefusedForGoodIsAnsweredAndTheNextWritesGoInANewSessionThatClosesTheOldOne()
    {
        var f = NewForwarder();
        var refused = Write("a");
        var batch = f.Take([refused]);
        var old = batch.Session;
        f.Answered(batch, [new ForwardResult(KvReply.Error("CORRUPT the replicas' states differ"), WriteOutcome.NotApplied)]);
        Assert.Equal("CORRUPT the replicas' states differ", Answer(refused));
        var next = f.Take([Write("b")]);
        Assert.NotEqual(old, next.Session);
        Assert.Equal((1UL, old), (next.Writes[0].Stamp.Seq, next.Writes[0].Stamp.Previous));
    }

    [Fact]
    public void ALeaderThatForgotTheSessionGetsTheWritesAgainNumberedInANewOne()
    {
        var f = NewForwarder();
        var writes = new[] { Write("a"), Write("b") };
        var batch = f.Take(writes);
        f.Answered(batch, Each(2, Applied(KvReply.Error($"{KvStateMachine.UnknownSessionRefusal} 00000000000000aa (expired, or never opened); the write was not applied"))));
        var again = Assert.Single(f.Resend());
        Assert.NotEqual(batch.Session, again.Session);
        Assert.Equal([(1UL, batch.Session), (2UL, batch.Session)], again.Writes.Select(w => (w.Stamp.Seq, w.Stamp.Previous)));
        Assert.Equal(1, f.Renewed);
    }

    [Fact]
    public void PastItsDeadlineAWriteOutWaitsForItsExactAnswerThenTheSessionEnds()
    {
        var f = NewForwarder();
        var write = Write("a", deadline: 100);
        var batch = f.Take([write]);
        f.Expire(150);
        Assert.Equal("(waiting)", Answer(write));
        Assert.False(f.CanTakeNew);
        f.Answered(batch, [Applied(KvReply.Ok)]);
        Assert.Equal("OK", Answer(write));
        f.Expire(160);
        Assert.True(f.CanTakeNew);
        Assert.NotEqual(batch.Session, f.Take([Write("b", deadline: 500)]).Session);
    }

    [Fact]
    public void PastTheGraceAWriteOutIsAnsweredUnknownAndAWriteThatCertainlyDidNotRunNotApplied()
    {
        var f = NewForwarder();
        var early = Write("a", deadline: 100);
        var refusedOnce = f.Take([early]);
        f.Answered(refusedOnce, [new ForwardResult(KvReply.Error("CLUSTERDOWN this node is not the leader"), WriteOutcome.NotApplied)]);
        var later = Write("b", deadline: 100 + 10 * Grace);
        var batch = Assert.Single(f.Resend());
        var outNow = f.Take([later]);
        f.Expire(100 + Grace + 1);
        Assert.Equal("TIMEOUT unknown", Answer(early));
        Assert.Equal("TIMEOUT unknown", Answer(later));
        // Their batches, back late, belong to the ended session: ignored.
        Assert.False(f.Answered(batch, [Applied(KvReply.Ok)]));
        Assert.False(f.Answered(outNow, [Applied(KvReply.Ok)]));
        Assert.Equal(0, f.InFlight);

        var g = NewForwarder();
        var never = Write("c", deadline: 100);
        g.Answered(g.Take([never]), [new ForwardResult(KvReply.Error("CLUSTERDOWN this node is not the leader"), WriteOutcome.NotApplied)]);
        g.Expire(101);
        Assert.Equal("not applied (CLUSTERDOWN this node is not the leader)", Answer(never));
    }

    [Fact]
    public void ANodeThatBeginsToLeadProposesItsUnansweredWritesWithTheirStampsAndForwardsLaterOnesInANewSession()
    {
        var f = NewForwarder();
        var writes = new[] { Write("a"), Write("b") };
        var batch = f.Take(writes);
        var taken = f.TakeOver();
        Assert.Equal(writes, taken);
        Assert.Equal([1UL, 2UL], taken.Select(p => p.Stamp.Seq));
        Assert.All(taken, p => Assert.Equal(batch.Session, p.Stamp.Session));
        Assert.NotEqual(batch.Session, f.Session);
        Assert.False(f.Answered(batch, Each(2, Applied(KvReply.Ok))));
        Assert.All(writes, w => Assert.Equal("(waiting)", Answer(w)));
        Assert.Equal(batch.Session, f.Take([Write("c")]).Writes[0].Stamp.Previous);
    }
}
