using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

public class RecordCacheTests
{
    /// <summary>Rounds of the race test: one round caught a stale read about one time in forty.</summary>
    public static TheoryData<int> Rounds => new(Enumerable.Range(0, 10));

    /// <summary>
    /// Once any reader has seen a value, no reader is served an older one, though readers race the applier
    /// (and evictions) on the cache. The engine is ahead of the cache while a batch is written: a reader
    /// that read the new record from the engine then found the old one still cached, until the applier
    /// took a batch's keys out of the cache before writing.
    /// </summary>
    [Theory]
    [MemberData(nameof(Rounds))]
    public async Task ConcurrentReadersNeverSeeAValueGoBackwards(int round)
    {
        _ = round;
        using var h = new Harness("rocksdb+cache");
        const int writes = 3000;
        using var stop = new CancellationTokenSource();
        using var started = new CountdownEvent(3);
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            long last = 0;
            var reads = 0;
            while (!stop.IsCancellationRequested)
            {
                var text = h.Get("counter");
                var value = text is null ? 0 : long.Parse(text);
                Assert.True(value >= last, $"read {value} after {last}");
                last = value;
                if (reads++ == 0)
                {
                    started.Signal();
                }
            }
            return reads;
        })).ToList();
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        for (var i = 0; i < writes; i++)
        {
            // Other keys churn the cache so evictions race with the readers too.
            h.WriteBatch(new KvCommand(KvOp.IncrBy, [B("counter")], 1), Set($"filler:{i}", new string('x', 2000)));
        }
        stop.Cancel();
        var counts = await Task.WhenAll(readers);
        Assert.All(counts, c => Assert.True(c > 0));
        Assert.Equal(writes.ToString(), h.Get("counter"));
        Assert.True(h.Machine.Cache.Bytes <= 1 << 20 + 64 * 1024);
        Assert.True(h.Machine.Cache.Hits > 0);
    }

    [Fact]
    public void AReadThatRacesAWriteDoesNotCacheWhatItRead()
    {
        // The reader fetches k's old record from the engine; before it can cache it, a batch deletes k.
        var engine = new InterleavingEngine(new InMemoryKvEngine());
        var machine = new KvStateMachine(engine, new RecordCache(1 << 20));
        var replies = new KvReply[1];
        machine.Apply([new KvEntry(1, 1, Set("k", "old"))], replies, sync: false);
        machine.Cache.Clear();
        engine.AfterNextGet = () => machine.Apply([new KvEntry(2, 1, new KvCommand(KvOp.Del, [B("k")]))], replies, sync: false);
        Assert.Equal("old", machine.Query(new KvCommand(KvOp.Get, [B("k")]), 1).ToString());
        Assert.Equal(KvReplyKind.Null, machine.Query(new KvCommand(KvOp.Get, [B("k")]), 1).Kind);
        Assert.Equal(0, machine.Cache.Count);
    }

    private sealed class InterleavingEngine(IKvEngine inner) : DelegatingEngine(inner)
    {
        public Action? AfterNextGet { get; set; }

        public override byte[]? Get(KvSpace space, ReadOnlySpan<byte> key)
        {
            var value = base.Get(space, key);
            var after = AfterNextGet;
            AfterNextGet = null;
            after?.Invoke();
            return value;
        }
    }

    [Fact]
    public void WritesRefreshCachedKeysButDoNotCacheOthers()
    {
        using var h = new Harness("rocksdb+cache");
        h.Write(Set("read", "1"));
        h.Write(Set("unread", "1"));
        Assert.Equal(0, h.Machine.Cache.Count);
        Assert.Equal("1", h.Get("read"));
        Assert.Equal(1, h.Machine.Cache.Count);
        h.WriteBatch(Set("read", "2"), Set("unread", "2"), Set("new", "2"));
        Assert.Equal(1, h.Machine.Cache.Count);
        var hits = h.Machine.Cache.Hits;
        Assert.Equal("2", h.Get("read"));
        Assert.Equal(hits + 1, h.Machine.Cache.Hits);
        Assert.Equal("2", h.Get("unread"));
        Assert.Equal(2, h.Machine.Cache.Count);
    }

    [Fact]
    public void FlushAllAndDeletesLeaveNothingBehindInTheCache()
    {
        using var h = new Harness("rocksdb+cache");
        h.Write(Set("a", "1"));
        h.Write(Set("b", "2"));
        Assert.Equal("1", h.Get("a"));
        h.Write(new KvCommand(KvOp.Del, [B("a")]));
        Assert.Null(h.Get("a"));
        h.WriteBatch(new KvCommand(KvOp.FlushAll, []), Set("c", "3"));
        Assert.Null(h.Get("b"));
        Assert.Equal("3", h.Get("c"));
        Assert.Equal(1, h.Machine.Cache.Count);
    }
}
