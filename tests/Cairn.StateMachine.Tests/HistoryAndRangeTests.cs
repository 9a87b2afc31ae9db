using System.Text;
using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>The change history watches read, the names index prefix ranges walk, and the API-only replies.</summary>
public class HistoryAndRangeTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void EveryChangeIsAnEventAtItsRevisionInCommitOrder(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("a", "1"));                                                          // 1
        h.Write(new KvCommand(KvOp.MSet, [B("b"), B("2"), B("c"), B("3")]));             // 2
        h.Write(new KvCommand(KvOp.Del, [B("a"), B("missing")]));                        // 3
        h.Write(new KvCommand(KvOp.IncrBy, [B("n")], 5));                                // 4
        h.Write(new KvCommand(KvOp.Rename, [B("b"), B("d")]));                           // 5
        h.Write(new KvCommand(KvOp.Get, [B("nothing")]));                                // 6: not a write, no event
        h.Write(new KvCommand(KvOp.FlushAll, []));                                       // 7

        var events = h.Machine.ReadEvents(1, 100, out var next);
        Assert.Equal(8, next);
        Assert.Equal(
            ["1 Put a=1", "2 Put b=2", "2 Put c=3", "3 Delete a", "4 Put n=5", "5 Delete b", "5 Put d=2", "7 Flush "],
            events.Select(Describe));
        Assert.All(events.Where(e => e.Kind == KvEventKind.Put), e => Assert.Equal(0, e.ExpireAt));

        // From the middle, and never beyond what is applied.
        Assert.Equal(["4 Put n=5", "5 Delete b", "5 Put d=2", "7 Flush "], h.Machine.ReadEvents(4, 100, out _).Select(Describe));
        Assert.Empty(h.Machine.ReadEvents(8, 100, out next));
        Assert.Equal(8, next);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void AReadStopsAtWholeRevisionsAndTrimmedHistoryIsRefusedWithTheOldestRevision(string engine)
    {
        using var h = new Harness(engine);
        h.Write(new KvCommand(KvOp.MSet, [B("x"), B("1"), B("y"), B("2"), B("z"), B("3")]));   // 1: three events
        h.Write(Set("x", "4"));                                                             // 2
        var first = h.Machine.ReadEvents(1, 2, out var next);
        Assert.Equal(3, first.Count);
        Assert.Equal(2, next);
        Assert.Single(h.Machine.ReadEvents(next, 2, out _));

        Assert.Equal(1, h.Machine.EventsFloor);
        h.Machine.TrimHistory(2);
        Assert.Equal(2, h.Machine.EventsFloor);
        var refused = Assert.Throws<WatchCompactedException>(() => h.Machine.ReadEvents(1, 10, out _));
        Assert.Equal(2, refused.Oldest);
        Assert.Contains("the oldest revision available is 2", refused.Message);
        Assert.Equal(["2 Put x=4"], h.Machine.ReadEvents(2, 10, out _).Select(Describe));
        if (engine.StartsWith("rocksdb", StringComparison.Ordinal))
        {
            h.Reopen();
            Assert.Equal(2, h.Machine.EventsFloor);
            Assert.Equal(["2 Put x=4"], h.Machine.ReadEvents(2, 10, out _).Select(Describe));
        }
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ARangeListsLiveKeysWithAPrefixInByteOrderPageByPage(string engine)
    {
        using var h = new Harness(engine);
        foreach (var key in new[] { "app/b", "app/a", "app/c/1", "apq", "ap", "app/d" })
        {
            h.Write(Set(key, "v-" + key));
        }
        h.Write(new KvCommand(KvOp.Set, [B("app/e"), B("short")], 1000, flags: KvFlags.ExpireRelative));
        h.Write(new KvCommand(KvOp.Del, [B("app/d")]));

        var (page, cursor) = Range(h, "app/", "", 2, h.Now + 5000);
        Assert.Equal(["app/a=v-app/a", "app/b=v-app/b"], page);
        Assert.Equal("app/b", cursor);
        (page, cursor) = Range(h, "app/", cursor!, 2, h.Now + 5000);
        // app/e has expired by then and app/d was deleted.
        Assert.Equal(["app/c/1=v-app/c/1"], page);
        Assert.Null(cursor);

        // Before expiry app/e is there; an empty prefix lists everything.
        Assert.Equal(["ap", "app/a", "app/b", "app/c/1", "app/e", "apq"], Range(h, "", "", 100, h.Now).Page.Select(p => p.Split('=')[0]));
        h.Write(new KvCommand(KvOp.FlushAll, []));
        Assert.Empty(Range(h, "", "", 100, h.Now).Page);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ApiWritesReplyWithTheRevisionAndGetRecordShowsIt(string engine)
    {
        using var h = new Harness(engine);
        var put = h.Write(new KvCommand(KvOp.Set, [B("k"), B("v")], 10_000, flags: KvFlags.WithRevision | KvFlags.ExpireRelative));
        Assert.Equal(KvReplyKind.Integer, put.Kind);
        Assert.Equal(1, put.Integer);
        var record = h.Read(new KvCommand(KvOp.GetRecord, [B("k")]));
        Assert.Equal("v", Encoding.UTF8.GetString(record.Items![0].Bytes.Span));
        Assert.Equal(1, record.Items[1].Integer);
        Assert.Equal(h.Now + 10_000, record.Items[2].Integer);

        var deleted = h.Write(new KvCommand(KvOp.Del, [B("k"), B("absent")], flags: KvFlags.WithRevision));
        Assert.Equal([1, 2], deleted.Items!.Select(i => i.Integer));
        Assert.Equal(KvReplyKind.Null, h.Read(new KvCommand(KvOp.GetRecord, [B("k")])).Kind);
        // Without the flag, Redis's replies.
        Assert.Equal(KvReplyKind.Ok, h.Write(Set("k", "v")).Kind);
    }

    [Fact]
    public void AStoreWrittenBeforeTheNamesIndexGetsItBuiltOnOpen()
    {
        var engine = new InMemoryKvEngine();
        var machine = new KvStateMachine(engine);
        var replies = new KvReply[2];
        machine.Apply([new KvEntry(1, 0, Set("old/1", "a")), new KvEntry(2, 0, Set("old/2", "b"))], replies, sync: false);
        // As an older version left it: no names, no marker.
        var batch = engine.NewBatch();
        batch.DeleteRange(KvSpace.Names, [0], [0xFF]);
        batch.Delete(KvSpace.Meta, KeyCodec.NamesIndexedKey);
        batch.DeleteRange(KvSpace.Events, new byte[12], Enumerable.Repeat((byte)0xFF, 12).ToArray());
        engine.Write(batch, sync: false);

        var reopened = new KvStateMachine(engine);
        var reply = reopened.Query(new KvCommand(KvOp.Range, [B("old/"), []], 10), 0);
        Assert.Equal(2, reply.Items![0].Items!.Length);
        Assert.Equal(3, reopened.EventsFloor);
        Assert.Throws<WatchCompactedException>(() => reopened.ReadEvents(1, 10, out _));
    }

    private static (List<string> Page, string? Cursor) Range(Harness h, string prefix, string after, int limit, long at)
    {
        var reply = h.Read(new KvCommand(KvOp.Range, [B(prefix), B(after)], limit), at);
        var page = reply.Items![0].Items!.Select(i => $"{Text(i.Items![0])}={Text(i.Items[1])}").ToList();
        return (page, reply.Items[1].Kind == KvReplyKind.Null ? null : Text(reply.Items[1]));
    }

    private static string Text(KvReply reply) => Encoding.UTF8.GetString(reply.Bytes.Span);

    private static string Describe(KvEvent e) =>
        $"{e.Revision} {e.Kind} {Encoding.UTF8.GetString(e.Key)}" + (e.Value is null ? "" : "=" + Encoding.UTF8.GetString(e.Value));
}
