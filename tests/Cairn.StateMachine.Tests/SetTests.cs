using Cairn.StateMachine.Sets;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Sets on the collection store (issue 20): Redis 7.0's replies, SPOP drawn from the entry (every replica pops the
/// same members), the STORE commands replace whatever the destination held, WRONGTYPE checked on every key first.
/// </summary>
public class SetTests
{
    private static KvCommand P(Func<byte[][], Parsed> syntax, params string[] argv)
    {
        var parsed = syntax([.. argv.Select(B)]);
        return parsed.Command ?? throw new InvalidOperationException(parsed.Error);
    }

    private static KvReply Run(Harness h, Func<byte[][], Parsed> syntax, params string[] argv)
    {
        var command = P(syntax, argv);
        return command.IsWrite ? h.Write(command) : h.Read(command);
    }

    private static string Sorted(KvReply reply) => string.Join(",", reply.Items!.Select(i => i.ToString()).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void MembersAreAddedTestedAndAnEmptiedSetIsGone(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(3, Run(h, SetSyntax.SAdd, "sadd", "s", "a", "b", "a", "c").Integer);
        Assert.Equal(0, Run(h, SetSyntax.SAdd, "sadd", "s", "a").Integer);
        Assert.Equal(3, Run(h, SetSyntax.SCard, "scard", "s").Integer);
        var members = Run(h, SetSyntax.SMembers, "smembers", "s");
        Assert.Equal(KvReplyKind.Set, members.Kind);
        Assert.Equal("a,b,c", Sorted(members));
        Assert.Equal("[1, 0]", Run(h, SetSyntax.SMIsMember, "smismember", "s", "b", "z").ToString());
        Assert.Equal(1, Run(h, SetSyntax.SIsMember, "sismember", "s", "c").Integer);
        Assert.Equal(2, Run(h, SetSyntax.SRem, "srem", "s", "a", "b", "z").Integer);
        Assert.Equal(1, Run(h, SetSyntax.SMove, "smove", "s", "t", "c").Integer);
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
        Assert.Equal(42, Run(a, SetSyntax.SCard, "scard", "s").Integer);
        Assert.Equal(42, Run(a, SetSyntax.SPop, "spop", "s", "100").Items!.Length);
        Assert.Equal(0, a.Machine.KeyCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void StoreCommandsReplaceTheDestinationAndAnEmptyResultDeletesIt(string engine)
    {
        using var h = new Harness(engine);
        Run(h, SetSyntax.SAdd, "sadd", "x", "1", "2", "3");
        Run(h, SetSyntax.SAdd, "sadd", "y", "2", "3", "4");
        h.Write(Set("dst", "a string"));
        Assert.Equal(2, Run(h, SetSyntax.SInterStore, "sinterstore", "dst", "x", "y").Integer);
        Assert.Equal("2,3", Sorted(Run(h, SetSyntax.SMembers, "smembers", "dst")));
        // The destination among the sources: read before it is replaced.
        Assert.Equal(4, Run(h, SetSyntax.SUnionStore, "sunionstore", "x", "x", "y").Integer);
        Assert.Equal("1,2,3,4", Sorted(Run(h, SetSyntax.SMembers, "smembers", "x")));
        Assert.Equal(1, Run(h, SetSyntax.SDiffStore, "sdiffstore", "d", "x", "y", "nokey").Integer);
        Assert.Equal(0, Run(h, SetSyntax.SDiffStore, "sdiffstore", "x", "y", "x").Integer);
        Assert.Equal(0, h.Read(new KvCommand(KvOp.Exists, [B("x")])).Integer);
        Assert.Equal(1, Run(h, SetSyntax.SInterCard, "sintercard", "2", "y", "dst", "LIMIT", "1").Integer);
        Assert.Equal(2, Run(h, SetSyntax.SInterCard, "sintercard", "2", "y", "dst").Integer);
        h.Write(Set("str", "v"));
        Assert.Equal(KvErrors.WrongType, Run(h, SetSyntax.SInter, "sinter", "nokey", "str").ToString());
        Assert.Equal(KvErrors.WrongType, Run(h, SetSyntax.SMove, "smove", "y", "str", "2").ToString());
        Assert.Equal(KvErrors.WrongType, Run(h, SetSyntax.SAdd, "sadd", "str", "2").ToString());
        Assert.Equal("ERR value is out of range, must be positive", SetSyntax.SPop([B("spop"), B("y"), B("-1")]).Error);
        Assert.Equal("ERR numkeys should be greater than 0", SetSyntax.SInterCard([B("sintercard"), B("0"), B("y")]).Error);
    }
}
