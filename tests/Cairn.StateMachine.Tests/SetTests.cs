using Cairn.StateMachine.Sets;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Sets on the collection store (issue 20): Redis 7.0's replies, SPOP drawn from the entry (every replica pops the
/// same members), the STORE commands replace whatever the destination held, WRONGTYPE checked on every key first.
/// </summary>
public class SetTests
{
    private static string Sorted(KvReply reply) => string.Join(",", reply.Items!.Select(i => i.ToString()).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void MembersAreAddedTestedAndAnEmptiedSetIsGone(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(3, h.Run(SetSyntax.SAdd, "sadd", "s", "a", "b", "a", "c").Integer);
        Assert.Equal(0, h.Run(SetSyntax.SAdd, "sadd", "s", "a").Integer);
        Assert.Equal(3, h.Run(SetSyntax.SCard, "scard", "s").Integer);
        var members = h.Run(SetSyntax.SMembers, "smembers", "s");
        Assert.Equal(KvReplyKind.Set, members.Kind);
        Assert.Equal("a,b,c", Sorted(members));
        Assert.Equal("[1, 0]", h.Run(SetSyntax.SMIsMember, "smismember", "s", "b", "z").ToString());
        Assert.Equal(1, h.Run(SetSyntax.SIsMember, "sismember", "s", "c").Integer);
        Assert.Equal(2, h.Run(SetSyntax.SRem, "srem", "s", "a", "b", "z").Integer);
        Assert.Equal(1, h.Run(SetSyntax.SMove, "smove", "s", "t", "c").Integer);
        Assert.Equal("none", h.Read(new KvCommand(KvOp.Type, [B("s")])).ToString());
        Assert.Equal("set", h.Read(new KvCommand(KvOp.Type, [B("t")])).ToString());
        Assert.Equal(1, h.Machine.KeyCount);
    }

    [Fact]
    public void SPopDrawsTheSameMembersOnEveryReplica()
    {
        using var a = new Harness("memory");
        using var b = new Harness("rocksdb");
        var fill = P(SetSyntax.SAdd, ["sadd", "s", .. Enumerable.Range(0, 200).Select(i => $"m{i}")]);
        var pops = new[] { P(SetSyntax.SPop, "spop", "s"), P(SetSyntax.SPop, "spop", "s", "7"), P(SetSyntax.SPop, "spop", "s", "150") };
        var onA = new[] { a.Write(fill) }.Concat(a.WriteBatch(pops)).Select(r => r.ToString()).ToList();
        var onB = new[] { b.Write(fill) }.Concat(b.WriteBatch(pops)).Select(r => r.ToString()).ToList();
        Assert.Equal(onA, onB);
        Assert.Equal(a.Machine.Digest(), b.Machine.Digest());
        Assert.Equal(42, a.Run(SetSyntax.SCard, "scard", "s").Integer);
        Assert.Equal(42, a.Run(SetSyntax.SPop, "spop", "s", "100").Items!.Length);
        Assert.Equal(0, a.Machine.KeyCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void StoreCommandsReplaceTheDestinationAndAnEmptyResultDeletesIt(string engine)
    {
        using var h = new Harness(engine);
        h.Run(SetSyntax.SAdd, "sadd", "x", "1", "2", "3");
        h.Run(SetSyntax.SAdd, "sadd", "y", "2", "3", "4");
        h.Write(Set("dst", "a string"));
        Assert.Equal(2, h.Run(SetSyntax.SInterStore, "sinterstore", "dst", "x", "y").Integer);
        Assert.Equal("2,3", Sorted(h.Run(SetSyntax.SMembers, "smembers", "dst")));
        // The destination among the sources: read before it is replaced.
        Assert.Equal(4, h.Run(SetSyntax.SUnionStore, "sunionstore", "x", "x", "y").Integer);
        Assert.Equal("1,2,3,4", Sorted(h.Run(SetSyntax.SMembers, "smembers", "x")));
        Assert.Equal(1, h.Run(SetSyntax.SDiffStore, "sdiffstore", "d", "x", "y", "nokey").Integer);
        Assert.Equal(0, h.Run(SetSyntax.SDiffStore, "sdiffstore", "x", "y", "x").Integer);
        Assert.Equal(0, h.Read(new KvCommand(KvOp.Exists, [B("x")])).Integer);
        Assert.Equal(1, h.Run(SetSyntax.SInterCard, "sintercard", "2", "y", "dst", "LIMIT", "1").Integer);
        Assert.Equal(2, h.Run(SetSyntax.SInterCard, "sintercard", "2", "y", "dst").Integer);
        h.Write(Set("str", "v"));
        Assert.Equal(KvErrors.WrongType, h.Run(SetSyntax.SInter, "sinter", "nokey", "str").ToString());
        Assert.Equal(KvErrors.WrongType, h.Run(SetSyntax.SMove, "smove", "y", "str", "2").ToString());
        Assert.Equal(KvErrors.WrongType, h.Run(SetSyntax.SAdd, "sadd", "str", "2").ToString());
        Assert.Equal("ERR value is out of range, must be positive", SetSyntax.SPop([B("spop"), B("y"), B("-1")]).Error);
        Assert.Equal("ERR numkeys should be greater than 0", SetSyntax.SInterCard([B("sintercard"), B("0"), B("y")]).Error);
    }
}
