using Cairn.StateMachine.Blocking;
using Cairn.StateMachine.Lists;
using Cairn.StateMachine.SortedSets;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Blocked clients in the replicated state (issue 21): a blocking command that cannot be served records its waiter;
/// a later write serves the waiters of its keys in the order they blocked, in the same entry, and hands their replies
/// to their owners; pops stay in flight until acknowledged and go back if their owner is gone; waiters survive a
/// reopen (they are in the store, so in snapshots and the digest).
/// </summary>
public class BlockingTests
{
    private static byte[] Owner(ulong token, ulong node = 1, ulong incarnation = 10) => new BlockOwner(node, incarnation, token).ToBytes();

    private static KvCommand BLPop(ulong token, long timeoutMs, params string[] keys) =>
        BlockingSyntax.BLPop([B("blpop"), .. keys.Select(B), B((timeoutMs / 1000.0).ToString(System.Globalization.CultureInfo.InvariantCulture))], Owner(token)).Command!;

    private static string Show(KvReply reply) => reply.Kind switch
    {
        KvReplyKind.Array => "[" + string.Join(", ", reply.Items!.Select(Show)) + "]",
        KvReplyKind.Null or KvReplyKind.NullArray => "nil",
        _ => reply.ToString(),
    };

    private static List<string> Collect(Harness h)
    {
        var handed = new List<string>();
        h.Machine.ClientsUnblocked = clients => handed.AddRange(clients.Select(u => $"{u.Owner.Token}:{Show(u.Reply)}{(u.InFlight ? "*" : "")}"));
        return handed;
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void WaitersAreServedInTheOrderTheyBlockedByTheEntryThatFillsTheKey(string engine)
    {
        using var h = new Harness(engine);
        var handed = Collect(h);
        Assert.Equal("BLOCKED", h.Write(BLPop(1, 0, "q")).ToString());
        Assert.Equal("BLOCKED", h.Write(BLPop(2, 0, "other", "q")).ToString());
        Assert.Equal("BLOCKED", h.Write(BLPop(3, 0, "q")).ToString());
        Assert.Equal(3, h.Machine.WaitingCount);
        // Two elements: the first two waiters, in order, in the same entry; nothing is left for anyone else.
        var replies = h.WriteBatch(P(ListSyntax.RPush, "rpush", "q", "a", "b"), P(ListSyntax.LLen, "llen", "q"));
        Assert.Equal(["1:[q, a]*", "2:[q, b]*"], handed);
        Assert.Equal("2", replies[0].ToString());
        Assert.Equal("0", h.Read(P(ListSyntax.LLen, "llen", "q")).ToString());
        Assert.Equal(1, h.Machine.WaitingCount);
        // An element that arrives first serves a blocking pop at once.
        h.Write(P(ListSyntax.LPush, "lpush", "q", "c"));
        Assert.Equal("3:[q, c]*", handed[^1]);
        Assert.Equal("[q2, d]", Show(h.WriteBatch(P(ListSyntax.LPush, "lpush", "q2", "d"), BLPop(4, 0, "q2"))[1]));
        Assert.Equal(0, h.Machine.WaitingCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void APopNotAcknowledgedGoesBackWhenItsClientIsGoneAndNothingOnceAcknowledged(string engine)
    {
        using var h = new Harness(engine);
        var handed = Collect(h);
        h.Write(BLPop(1, 0, "q"));
        h.Write(BLPop(2, 0, "q"));
        h.Write(P(ListSyntax.RPush, "rpush", "q", "a", "b", "c"));
        Assert.Equal(["1:[q, a]*", "2:[q, b]*"], handed);
        // Client 1's owner wrote its reply; client 2 went before its reply was written: "b" goes back to the head.
        Assert.Equal("1", h.Write(new KvCommand(KvOps.Of(BlockingOp.Ack), [Owner(1)])).ToString());
        Assert.Equal("0", h.Write(new KvCommand(KvOps.Of(BlockingOp.Unblock), [Owner(2)], 0)).ToString());
        Assert.Equal("[b, c]", Show(h.Read(P(ListSyntax.LRange, "lrange", "q", "0", "-1"))));
        Assert.Equal("0", h.Write(new KvCommand(KvOps.Of(BlockingOp.Unblock), [Owner(1)], 0)).ToString());
        Assert.Equal("[b, c]", Show(h.Read(P(ListSyntax.LRange, "lrange", "q", "0", "-1"))));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void TimeoutsUnblockAndRestartsReleaseByTheLogsClock(string engine)
    {
        using var h = new Harness(engine);
        var handed = Collect(h);
        h.Write(BLPop(1, 1500, "q"));
        h.Write(BLPop(2, 0, "q"));
        h.Write(BlockingSyntax.BLMove([B("blmove"), B("q"), B("dst"), B("LEFT"), B("RIGHT"), B("0.5")], Owner(3)).Command!);
        Assert.Equal(h.Now + 500, h.Machine.EarliestBlockDeadline);
        h.Now += 600;
        Assert.Equal("1", h.Write(new KvCommand(KvOps.Of(BlockingOp.Timeouts), [])).ToString());
        Assert.Equal(["3:nil"], handed);
        h.Now += 1000;
        Assert.Equal("1", h.Write(new KvCommand(KvOps.Of(BlockingOp.Timeouts), [])).ToString());
        Assert.Equal(["3:nil", "1:nil"], handed);
        // Node 1 restarts (incarnation 11): waiter 2, of incarnation 10, is gone; a late block of incarnation 10 is refused.
        Assert.Equal("1", h.Write(new KvCommand(KvOps.Of(BlockingOp.Release), [BigEndian(1), BigEndian(11)])).ToString());
        Assert.Equal(0, h.Machine.WaitingCount);
        Assert.StartsWith("UNBLOCKED", h.Write(BLPop(4, 0, "q")).ToString());
        Assert.Equal("BLOCKED", h.Write(BlockingSyntax.BLPop([B("blpop"), B("q"), B("0")], Owner(5, incarnation: 11)).Command!).ToString());
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void AServedMoveServesTheWaitersOfItsDestinationAndTypesArePassedOver(string engine)
    {
        using var h = new Harness(engine);
        var handed = Collect(h);
        h.Write(BlockingSyntax.BZPopMin([B("bzpopmin"), B("q"), B("0")], Owner(1)).Command!);
        h.Write(BlockingSyntax.BLMove([B("blmove"), B("q"), B("dst"), B("LEFT"), B("RIGHT"), B("0")], Owner(2)).Command!);
        h.Write(BLPop(3, 0, "dst"));
        h.Write(P(ListSyntax.LPush, "lpush", "q", "x"));
        // The sorted-set waiter is passed over on a list; the move fills dst, whose waiter is served in the same entry.
        Assert.Equal(["2:x", "3:[dst, x]*"], handed);
        h.Write(P(ZSetSyntax.ZAdd, "zadd", "q", "2", "m", "1", "n"));
        Assert.Equal("1:[q, n, 1]*", handed[^1]);
        Assert.Equal(0, h.Machine.WaitingCount);
    }

    [Fact]
    public void WaitersAreInTheStoreAndSurviveAReopen()
    {
        using var h = new Harness("rocksdb");
        h.Write(BLPop(1, 0, "q"));
        h.Write(BlockingSyntax.BZMPop([B("bzmpop"), B("0"), B("1"), B("z"), B("MAX"), B("COUNT"), B("2")], Owner(2)).Command!);
        var digest = h.Machine.Digest();
        h.Reopen();
        Assert.Equal(digest, h.Machine.Digest());
        Assert.Equal(2, h.Machine.WaitingCount);
        var handed = Collect(h);
        h.ContinueFromApplied();
        h.WriteBatch(P(ListSyntax.LPush, "lpush", "q", "a"), P(ZSetSyntax.ZAdd, "zadd", "z", "1", "a", "2", "b", "3", "c"));
        Assert.Equal(["1:[q, a]*", "2:[z, [[c, 3], [b, 2]]]*"], handed);
    }

    private static byte[] BigEndian(ulong value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
