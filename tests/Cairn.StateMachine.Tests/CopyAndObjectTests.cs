using Cairn.StateMachine.Hashes;
using Cairn.StateMachine.Lists;
using Cairn.StateMachine.Sets;
using Cairn.StateMachine.SortedSets;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Keys over every type (issue 20): COPY makes a collection of its own (its members under the copying entry's
/// version), and OBJECT ENCODING names Redis 7.0's encodings by its thresholds, kept once left as Redis keeps them.
/// </summary>
public class CopyAndObjectTests
{
    private static KvCommand Copy(string from, string to, bool replace = false) =>
        new(KvOp.Copy, [B(from), B(to)], flags: replace ? KvFlags.Replace : KvFlags.None);

    private static string Encoding(Harness h, string key) => h.Read(new KvCommand(KvOp.ObjectInfo, [B(key)], 0)).ToString();

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ACopyOfEveryTypeIsIndependentOfItsSource(string engine)
    {
        using var h = new Harness(engine);
        h.Run(HashSyntax.HSet, "hset", "h", "f", "v");
        h.Run(SetSyntax.SAdd, "sadd", "s", "a", "b");
        h.Run(ZSetSyntax.ZAdd, "zadd", "z", "1", "a", "2", "b");
        h.Run(ListSyntax.RPush, "rpush", "l", "x", "y");
        h.Write(Set("str", "v", KvFlags.ExpireRelative, 100_000));
        foreach (var key in new[] { "h", "s", "z", "l", "str" })
        {
            Assert.Equal(1, h.Write(Copy(key, key + "2")).Integer);
        }
        Assert.True(h.Read(new KvCommand(KvOp.Ttl, [B("str2")])).Integer > 0);
        // The sources change and go; the copies keep what they had.
        h.Run(HashSyntax.HSet, "hset", "h", "f", "changed");
        h.Run(ListSyntax.LPop, "lpop", "l");
        h.Write(new KvCommand(KvOp.Del, [B("s"), B("z")]));
        Assert.Equal("v", h.Run(HashSyntax.HGet, "hget", "h2", "f").ToString());
        Assert.Equal(2, h.Run(SetSyntax.SCard, "scard", "s2").Integer);
        Assert.Equal("[[a, 1], [b, 2]]", h.Run(ZSetSyntax.ZRange, "zrange", "z2", "0", "-1", "WITHSCORES").ToString());
        Assert.Equal("[x, y]", h.Run(ListSyntax.LRange, "lrange", "l2", "0", "-1").ToString());
        // Only over a live destination with REPLACE; the replaced collection's members go.
        Assert.Equal(0, h.Write(Copy("h", "l2")).Integer);
        Assert.Equal(1, h.Write(Copy("h", "l2", replace: true)).Integer);
        Assert.Equal("hash", h.Read(new KvCommand(KvOp.Type, [B("l2")])).ToString());
        Assert.Equal(0, h.Write(Copy("nokey", "x")).Integer);
        Assert.Equal("ERR source and destination objects are the same", KvCommandRules.Check(Copy("h", "h")));
        h.Write(new KvCommand(KvOp.FlushAll, []));
        Assert.Equal(0, h.Machine.KeyCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void EncodingsFollowRedisThresholdsAndStayOnceLeft(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("i", "123"));
        h.Write(Set("e", new string('x', 44)));
        h.Write(Set("r", new string('x', 45)));
        Assert.Equal(["int", "embstr", "raw"], new[] { "i", "e", "r" }.Select(k => Encoding(h, k)));
        Assert.Equal(int.MaxValue, h.Read(new KvCommand(KvOp.ObjectInfo, [B("i")], 1)).Integer);
        h.Write(new KvCommand(KvOp.Append, [B("i"), B("4")]));
        Assert.Equal("raw", Encoding(h, "i"));

        h.Run(SetSyntax.SAdd, ["sadd", "s", .. Enumerable.Range(0, 512).Select(i => $"{i}")]);
        Assert.Equal("intset", Encoding(h, "s"));
        h.Run(SetSyntax.SAdd, "sadd", "s", "512");
        Assert.Equal("hashtable", Encoding(h, "s"));
        h.Run(SetSyntax.SRem, "srem", "s", "512", "511");
        Assert.Equal("hashtable", Encoding(h, "s"));

        h.Run(HashSyntax.HSet, "hset", "h", "f", new string('v', 64));
        Assert.Equal("listpack", Encoding(h, "h"));
        h.Run(HashSyntax.HSet, "hset", "h", "g", new string('v', 65));
        h.Run(HashSyntax.HDel, "hdel", "h", "g");
        Assert.Equal("hashtable", Encoding(h, "h"));

        h.Run(ZSetSyntax.ZAdd, ["zadd", "z", .. Enumerable.Range(0, 129).SelectMany(i => new[] { "1", $"m{i}" })]);
        Assert.Equal("skiplist", Encoding(h, "z"));
        h.Run(ListSyntax.RPush, "rpush", "l", "a");
        Assert.Equal("quicklist", Encoding(h, "l"));
        Assert.Equal(KvReplyKind.Null, h.Read(new KvCommand(KvOp.ObjectInfo, [B("nokey")], 0)).Kind);
        Assert.StartsWith("ERR An LFU maxmemory policy is not selected", h.Read(new KvCommand(KvOp.ObjectInfo, [B("l")], 3)).ToString());
        // A record keeps its encoding through RENAME, EXPIRE and a restart.
        h.Write(new KvCommand(KvOp.Rename, [B("s"), B("s2")]));
        h.Write(new KvCommand(KvOp.Expire, [B("s2")], 100_000, flags: KvFlags.ExpireRelative));
        h.Rebuild();
        Assert.Equal("hashtable", Encoding(h, "s2"));
    }
}
