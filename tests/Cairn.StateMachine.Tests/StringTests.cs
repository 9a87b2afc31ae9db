using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

public class StringTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void SetHonoursNxXxAndGet(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(KvReplyKind.Null, h.Write(Set("k", "v1", KvFlags.Xx)).Kind);
        Assert.Equal(KvReplyKind.Ok, h.Write(Set("k", "v1", KvFlags.Nx)).Kind);
        Assert.Equal(KvReplyKind.Null, h.Write(Set("k", "v2", KvFlags.Nx)).Kind);
        Assert.Equal("v1", h.Write(Set("k", "v2", KvFlags.Xx | KvFlags.Get)).ToString());
        Assert.Equal("v2", h.Get("k"));
        Assert.Equal("v2", h.Write(Set("k", "v3", KvFlags.Nx | KvFlags.Get)).ToString());
        Assert.Equal("v2", h.Get("k"));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void RelativeExpiryCountsFromTheEntryTimestamp(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("k", "v", KvFlags.ExpireRelative, 10_000));
        Assert.Equal(h.Now + 10_000, h.Read(new KvCommand(KvOp.ExpireTime, [B("k")], flags: KvFlags.Milliseconds)).Integer);
        Assert.Equal(10, h.Read(new KvCommand(KvOp.Ttl, [B("k")])).Integer);
        Assert.Equal("v", h.Get("k", h.Now + 9_999));
        Assert.Null(h.Get("k", h.Now + 10_000));
        Assert.Equal(-2, h.Read(new KvCommand(KvOp.Ttl, [B("k")]), h.Now + 10_000).Integer);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void KeepTtlKeepsAndPlainSetClearsTheExpiry(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("k", "v", KvFlags.ExpireAbsolute, h.Now + 5000));
        h.Write(Set("k", "v2", KvFlags.KeepTtl));
        Assert.Equal(h.Now + 5000, h.Read(new KvCommand(KvOp.ExpireTime, [B("k")], flags: KvFlags.Milliseconds)).Integer);
        h.Write(Set("k", "v3"));
        Assert.Equal(-1, h.Read(new KvCommand(KvOp.Ttl, [B("k")])).Integer);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ExpiredKeysAreAbsentForWritesToo(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("k", "old", KvFlags.ExpireRelative, 100));
        h.Now += 100;
        Assert.Equal(KvReplyKind.Ok, h.Write(Set("k", "new", KvFlags.Nx)).Kind);
        Assert.Equal(1, h.Machine.KeyCount);
        Assert.Equal(0, h.Machine.ExpiresCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void IncrementsParseStrictlyAndDetectOverflow(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(5, h.Write(new KvCommand(KvOp.IncrBy, [B("n")], 5)).Integer);
        Assert.Equal(-3, h.Write(new KvCommand(KvOp.IncrBy, [B("n")], -8)).Integer);
        h.Write(Set("n", long.MaxValue.ToString()));
        Assert.Equal(KvErrors.Overflow, h.Write(new KvCommand(KvOp.IncrBy, [B("n")], 1)).Text);
        h.Write(Set("s", " 1"));
        Assert.Equal(KvErrors.NotInteger, h.Write(new KvCommand(KvOp.IncrBy, [B("s")], 1)).Text);
        h.Write(Set("f", "10.50"));
        Assert.Equal("10.6", h.Write(new KvCommand(KvOp.IncrByFloat, [B("f")], @float: 0.1)).ToString());
        Assert.Equal("5000", h.Write(new KvCommand(KvOp.IncrByFloat, [B("f")], @float: 4989.4)).ToString());
        Assert.Equal(KvErrors.FloatOverflow, h.Write(new KvCommand(KvOp.IncrByFloat, [B("f")], @float: double.PositiveInfinity)).Text);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void LaterEntriesInABatchSeeEarlierOnes(string engine)
    {
        using var h = new Harness(engine);
        var replies = h.WriteBatch(
            new KvCommand(KvOp.IncrBy, [B("n")], 1),
            new KvCommand(KvOp.IncrBy, [B("n")], 1),
            new KvCommand(KvOp.Rename, [B("n"), B("m")]),
            new KvCommand(KvOp.IncrBy, [B("m")], 10),
            new KvCommand(KvOp.FlushAll, []),
            new KvCommand(KvOp.IncrBy, [B("m")], 1));
        Assert.Equal([1L, 2L, 0L, 12L, 0L, 1L], replies.Select(r => r.Integer));
        Assert.Equal(1, h.Machine.KeyCount);
        Assert.Equal("1", h.Get("m"));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void RangeCommandsFollowRedisExamples(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("mykey", "This is a string"));
        string Range(long start, long end) => h.Read(new KvCommand(KvOp.GetRange, [B("mykey")], start, end)).ToString();
        Assert.Equal("This", Range(0, 3));
        Assert.Equal("ing", Range(-3, -1));
        Assert.Equal("This is a string", Range(0, -1));
        Assert.Equal("string", Range(10, 100));
        Assert.Equal("", Range(5, 3));

        h.Write(Set("key1", "Hello World"));
        Assert.Equal(11, h.Write(new KvCommand(KvOp.SetRange, [B("key1"), B("Redis")], 6)).Integer);
        Assert.Equal("Hello Redis", h.Get("key1"));
        Assert.Equal(11, h.Write(new KvCommand(KvOp.SetRange, [B("key2"), B("Redis")], 6)).Integer);
        Assert.Equal("\0\0\0\0\0\0Redis", h.Get("key2"));
        Assert.Equal(0, h.Write(new KvCommand(KvOp.SetRange, [B("key3"), B("")], 6)).Integer);
        Assert.Null(h.Get("key3"));
        Assert.Equal(16, h.Write(new KvCommand(KvOp.Append, [B("key1"), B(" Cool")])).Integer);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void MultiKeyWritesAreAllOrNothingForMsetnx(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(1, h.Write(new KvCommand(KvOp.MSetNx, [B("a"), B("1"), B("b"), B("2")])).Integer);
        Assert.Equal(0, h.Write(new KvCommand(KvOp.MSetNx, [B("b"), B("3"), B("c"), B("4")])).Integer);
        Assert.Null(h.Get("c"));
        var values = h.Read(new KvCommand(KvOp.MGet, [B("a"), B("b"), B("c")]));
        Assert.Equal("[1, 2, (nil)]", values.ToString());
    }
}
