using Cairn.StateMachine.Hashes;
using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Hashes on the collection store (issue 20): Redis 7.0's replies, an emptied hash deletes its key, the writes of one
/// batch see each other (the apply context's overlay), WRONGTYPE both ways, HSCAN's cursor over a large hash.
/// </summary>
public class HashTests
{
    private static long MemberCount(Harness h)
    {
        long count = 0;
        using var iterator = h.Engine.NewIterator(KvSpace.Members);
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            count++;
        }
        return count;
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void FieldsAreSetReadCountedAndAnEmptiedHashIsGone(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(2, h.Run(HashSyntax.HSet, "hset", "h", "a", "1", "b", "2").Integer);
        Assert.Equal(1, h.Run(HashSyntax.HSet, "hset", "h", "a", "10", "c", "3").Integer);
        Assert.Equal("10", h.Run(HashSyntax.HGet, "hget", "h", "a").ToString());
        Assert.Equal(KvReplyKind.Null, h.Run(HashSyntax.HGet, "hget", "h", "zz").Kind);
        Assert.Equal(3, h.Run(HashSyntax.HLen, "hlen", "h").Integer);
        Assert.Equal("[10, (nil), 3]", h.Run(HashSyntax.HMGet, "hmget", "h", "a", "zz", "c").ToString());
        var all = h.Run(HashSyntax.HGetAll, "hgetall", "h");
        Assert.Equal(KvReplyKind.Map, all.Kind);
        Assert.Equal(["a=10", "b=2", "c=3"], all.Items!.Chunk(2).Select(p => $"{p[0]}={p[1]}").Order(StringComparer.Ordinal));
        Assert.Equal(2, h.Run(HashSyntax.HStrLen, "hstrlen", "h", "a").Integer);
        Assert.Equal(0, h.Run(HashSyntax.HSetNx, "hsetnx", "h", "a", "x").Integer);
        Assert.Equal(1, h.Run(HashSyntax.HSetNx, "hsetnx", "h", "d", "x").Integer);
        Assert.Equal("hash", h.Read(new KvCommand(KvOp.Type, [B("h")])).ToString());
        Assert.Equal(2, h.Run(HashSyntax.HDel, "hdel", "h", "a", "b", "zz").Integer);
        Assert.Equal(2, h.Run(HashSyntax.HDel, "hdel", "h", "c", "d").Integer);
        Assert.Equal("none", h.Read(new KvCommand(KvOp.Type, [B("h")])).ToString());
        Assert.Equal(0, h.Machine.KeyCount);
        Assert.Equal(0, MemberCount(h));
        Assert.Equal(0, h.Run(HashSyntax.HDel, "hdel", "h", "a").Integer);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void TheWritesOfOneBatchSeeEachOther(string engine)
    {
        using var h = new Harness(engine);
        var replies = h.WriteBatch(
            P(HashSyntax.HSet, "hset", "h", "a", "1", "b", "x"),
            P(HashSyntax.HIncrBy, "hincrby", "h", "a", "5"),
            P(HashSyntax.HSet, "hset", "h", "a", "0"),
            P(HashSyntax.HDel, "hdel", "h", "b"),
            new KvCommand(KvOp.Rename, [B("h"), B("g")]),
            P(HashSyntax.HIncrBy, "hincrby", "g", "a", "2"),
            new KvCommand(KvOp.Del, [B("g")]),
            P(HashSyntax.HSet, "hset", "g", "z", "1"));
        Assert.Equal("2, 6, 0, 1, OK, 2, 1, 1", string.Join(", ", replies.Select(r => r.ToString())));
        // The hash made again after DEL in the same batch holds only its own field.
        Assert.Equal("{z: 1}", h.Run(HashSyntax.HGetAll, "hgetall", "g").ToString());
        Assert.Equal(1, MemberCount(h));
        Assert.Equal(1, h.Machine.KeyCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ARenameMovesTheFieldsWrittenEarlierInTheSameBatch(string engine)
    {
        using var h = new Harness(engine);
        h.Run(HashSyntax.HSet, "hset", "h", "old", "1");
        h.WriteBatch(P(HashSyntax.HSet, "hset", "h", "new", "2"), new KvCommand(KvOp.Rename, [B("h"), B("g")]));
        Assert.Equal(["new=2", "old=1"], h.Run(HashSyntax.HGetAll, "hgetall", "g").Items!.Chunk(2).Select(p => $"{p[0]}={p[1]}").Order(StringComparer.Ordinal));
        Assert.Equal(2, MemberCount(h));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void WrongTypeBothWaysAndRedisNumberErrors(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("s", "v"));
        foreach (var argv in new[] { new[] { "hset", "s", "a", "1" }, ["hget", "s", "a"], ["hdel", "s", "a"], ["hlen", "s"], ["hgetall", "s"], ["hincrby", "s", "a", "1"], ["hscan", "s", "0"], ["hrandfield", "s"] })
        {
            Func<byte[][], Parsed> syntax = argv[0] switch
            {
                "hset" => HashSyntax.HSet, "hget" => HashSyntax.HGet, "hdel" => HashSyntax.HDel, "hlen" => HashSyntax.HLen,
                "hgetall" => HashSyntax.HGetAll, "hincrby" => HashSyntax.HIncrBy, "hscan" => HashSyntax.HScan, _ => HashSyntax.HRandField,
            };
            Assert.Equal(KvErrors.WrongType, h.Run(syntax, argv).ToString());
        }
        h.Run(HashSyntax.HSet, "hset", "h", "n", "abc", "big", "9223372036854775807");
        Assert.Equal(KvErrors.WrongType, h.Read(new KvCommand(KvOp.Get, [B("h")])).ToString());
        Assert.Equal(KvErrors.WrongType, h.Write(new KvCommand(KvOp.Append, [B("h"), B("x")])).ToString());
        Assert.Equal("ERR hash value is not an integer", h.Run(HashSyntax.HIncrBy, "hincrby", "h", "n", "1").ToString());
        Assert.Equal(KvErrors.Overflow, h.Run(HashSyntax.HIncrBy, "hincrby", "h", "big", "1").ToString());
        Assert.Equal("ERR hash value is not a float", h.Run(HashSyntax.HIncrByFloat, "hincrbyfloat", "h", "n", "1").ToString());
        Assert.Equal("2.5", h.Run(HashSyntax.HIncrByFloat, "hincrbyfloat", "h", "f", "2.5").ToString());
        Assert.Equal("ERR value is NaN or Infinity", HashSyntax.HIncrByFloat([B("hincrbyfloat"), B("h"), B("f"), B("inf")]).Error);
        Assert.Equal("ERR wrong number of arguments for 'hset' command", HashSyntax.HSet([B("HSET"), B("h"), B("a")]).Error);
        // SET over a hash replaces it, fields and all.
        h.Write(Set("h", "v"));
        Assert.Equal(0, MemberCount(h));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void HScanVisitsEveryFieldOnceWhateverTheCount(string engine)
    {
        using var h = new Harness(engine);
        var fields = Enumerable.Range(0, 500).Select(i => $"f{i}").ToArray();
        h.Write(P(HashSyntax.HSet, ["hset", "h", .. fields.SelectMany(f => new[] { f, "v" + f })]));
        var seen = new List<string>();
        var cursor = "0";
        var calls = 0;
        do
        {
            var reply = h.Run(HashSyntax.HScan, "hscan", "h", cursor, "COUNT", "37");
            cursor = reply.Items![0].ToString();
            var items = reply.Items[1].Items!;
            Assert.InRange(items.Length / 2, 0, 60);
            seen.AddRange(items.Chunk(2).Select(p => { Assert.Equal("v" + p[0], p[1].ToString()); return p[0].ToString(); }));
            calls++;
        }
        while (cursor != "0");
        Assert.Equal(fields.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.InRange(calls, 10, 20);
        // MATCH filters; a small hash comes whole with cursor 0, as Redis's listpack.
        Assert.Equal(11, h.Run(HashSyntax.HScan, "hscan", "h", "0", "MATCH", "f1?", "COUNT", "1000").Items![1].Items!.Length / 2 + 1);
        h.Run(HashSyntax.HSet, "hset", "small", "a", "1", "b", "2");
        Assert.Equal("[0, [a, 1, b, 2]]".Length, h.Run(HashSyntax.HScan, "hscan", "small", "123", "COUNT", "1").ToString().Length);
        Assert.Equal("[0, []]", h.Run(HashSyntax.HScan, "hscan", "missing", "0", "COUNT", "0").ToString());
        Assert.Equal(KvErrors.Syntax, h.Run(HashSyntax.HScan, "hscan", "small", "0", "COUNT", "0").ToString());
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void HRandFieldDrawsDistinctFieldsOrRepeats(string engine)
    {
        using var h = new Harness(engine);
        h.Write(P(HashSyntax.HSet, ["hset", "h", .. Enumerable.Range(0, 50).SelectMany(i => new[] { $"f{i}", $"{i}" })]));
        var distinct = h.Run(HashSyntax.HRandField, "hrandfield", "h", "20").Items!.Select(i => i.ToString()).ToList();
        Assert.Equal(20, distinct.Distinct().Count());
        Assert.Equal(50, h.Run(HashSyntax.HRandField, "hrandfield", "h", "80").Items!.Length);
        Assert.Equal(30, h.Run(HashSyntax.HRandField, "hrandfield", "h", "30").Items!.Select(i => i.ToString()).Distinct().Count());
        var repeated = h.Run(HashSyntax.HRandField, "hrandfield", "h", "-200", "WITHVALUES");
        Assert.Equal(KvReplyKind.Pairs, repeated.Kind);
        Assert.Equal(400, repeated.Items!.Length);
        Assert.All(repeated.Items.Chunk(2), p => Assert.Equal("f" + p[1], p[0].ToString()));
        Assert.StartsWith("f", h.Run(HashSyntax.HRandField, "hrandfield", "h").ToString());
        Assert.Equal(KvReplyKind.Null, h.Run(HashSyntax.HRandField, "hrandfield", "nokey").Kind);
        Assert.Equal("ERR value is out of range", HashSyntax.HRandField([B("hrandfield"), B("h"), B("-4611686018427387904"), B("withvalues")]).Error);
    }

    [Fact]
    public void AHashOutlivesARestartAndALargeOneIsDeletedInOneStep()
    {
        using var h = new Harness("rocksdb");
        for (var batch = 0; batch < 20; batch++)
        {
            h.Write(P(HashSyntax.HSet, ["hset", "big", .. Enumerable.Range(batch * 1000, 1000).SelectMany(i => new[] { $"f{i}", "v" })]));
        }
        h.Run(HashSyntax.HSet, "hset", "small", "a", "1");
        h.Reopen();
        Assert.Equal(20_000, h.Run(HashSyntax.HLen, "hlen", "big").Integer);
        Assert.Equal("v", h.Run(HashSyntax.HGet, "hget", "big", "f12345").ToString());
        Assert.Equal(1, h.Write(new KvCommand(KvOp.Del, [B("big")])).Integer);
        Assert.Equal(1, MemberCount(h));
        Assert.Equal("1", h.Run(HashSyntax.HGet, "hget", "small", "a").ToString());
    }
}
