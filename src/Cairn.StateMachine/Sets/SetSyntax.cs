using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Sets;

/// <summary>The set commands' arguments made into commands as Redis 7.0's t_set.c reads them, and the set ops' operand rules.</summary>
public static class SetSyntax
{
    private static KvOp Op(SetOp op) => KvOps.Of(op);

    private static KvCommand Make(SetOp op, byte[][] argv) => new(Op(op), argv[1..]);

    public static Parsed SAdd(byte[][] argv) => Make(SetOp.SAdd, argv);

    public static Parsed SRem(byte[][] argv) => Make(SetOp.SRem, argv);

    public static Parsed SMove(byte[][] argv) => Make(SetOp.SMove, argv);

    public static Parsed SInterStore(byte[][] argv) => Make(SetOp.SInterStore, argv);

    public static Parsed SUnionStore(byte[][] argv) => Make(SetOp.SUnionStore, argv);

    public static Parsed SDiffStore(byte[][] argv) => Make(SetOp.SDiffStore, argv);

    public static Parsed SMembers(byte[][] argv) => Make(SetOp.SMembers, argv);

    public static Parsed SIsMember(byte[][] argv) => Make(SetOp.SIsMember, argv);

    public static Parsed SMIsMember(byte[][] argv) => Make(SetOp.SMIsMember, argv);

    public static Parsed SCard(byte[][] argv) => Make(SetOp.SCard, argv);

    public static Parsed SInter(byte[][] argv) => Make(SetOp.SInter, argv);

    public static Parsed SUnion(byte[][] argv) => Make(SetOp.SUnion, argv);

    public static Parsed SDiff(byte[][] argv) => Make(SetOp.SDiff, argv);

    public static Parsed SScan(byte[][] argv) => ScanSyntax.Parse(Op(SetOp.SScan), argv);

    /// <summary>spopWithCountCommand: any count but a non-negative integer is "out of range, must be positive".</summary>
    public static Parsed SPop(byte[][] argv)
    {
        if (argv.Length == 2)
        {
            return Make(SetOp.SPop, argv);
        }
        if (argv.Length > 3)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        if (!PopSyntax.TryCount(argv[2], out var count))
        {
            return Parsed.Fail(PopSyntax.NotPositive);
        }
        return new KvCommand(Op(SetOp.SPop), [argv[1]], count, flags: KvFlags.Count);
    }

    public static Parsed SRandMember(byte[][] argv)
    {
        if (argv.Length == 2)
        {
            return Make(SetOp.SRandMember, argv);
        }
        if (argv.Length > 3)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        if (!RandomMembers.ParseCount(argv[2], withPairs: false, out var count, out var error))
        {
            return Parsed.Fail(error!);
        }
        if (count < -RandomMembers.MaxRepeated)
        {
            return Parsed.Fail(RandomMembers.RepeatedTooMany);
        }
        return new KvCommand(Op(SetOp.SRandMember), [argv[1]], count, flags: KvFlags.Count);
    }

    /// <summary>SINTERCARD numkeys key [key ...] [LIMIT limit].</summary>
    public static Parsed SInterCard(byte[][] argv)
    {
        if (!RedisNumbers.TryParseInt64(argv[1], out var keys) || keys < 1)
        {
            return Parsed.Fail("ERR numkeys should be greater than 0");
        }
        if (keys > argv.Length - 2)
        {
            return Parsed.Fail("ERR Number of keys can't be greater than number of args");
        }
        long limit = 0;
        for (var i = 2 + (int)keys; i < argv.Length; i++)
        {
            if (i + 1 < argv.Length && ScanSyntax.Is(argv[i], "LIMIT"))
            {
                if (!RedisNumbers.TryParseInt64(argv[++i], out limit) || limit < 0)
                {
                    return Parsed.Fail("ERR LIMIT can't be negative");
                }
            }
            else
            {
                return Parsed.Fail(KvErrors.Syntax);
            }
        }
        return new KvCommand(Op(SetOp.SInterCard), argv[2..(2 + (int)keys)], limit);
    }

    /// <summary>The operand rules of the set ops (see <see cref="SetOp"/>): Redis's error, or null.</summary>
    public static string? Check(KvCommand c)
    {
        var n = c.Args.Length;
        return (SetOp)c.Op.Low() switch
        {
            SetOp.SAdd or SetOp.SRem or SetOp.SMIsMember or SetOp.SInterStore or SetOp.SUnionStore or SetOp.SDiffStore
                => n < 2 ? KvCommandRules.Arity(c) : null,
            SetOp.SInter or SetOp.SUnion or SetOp.SDiff => n < 1 ? KvCommandRules.Arity(c) : null,
            SetOp.SInterCard => n < 1 ? KvCommandRules.Arity(c) : c.Number < 0 ? "ERR LIMIT can't be negative" : null,
            SetOp.SPop => n != 1 ? KvCommandRules.Arity(c) : c.Has(KvFlags.Count) && c.Number < 0 ? PopSyntax.NotPositive : null,
            SetOp.SRandMember => n != 1 ? KvCommandRules.Arity(c) : c.Has(KvFlags.Count) && c.Number < -RandomMembers.MaxRepeated ? RandomMembers.RepeatedTooMany : null,
            SetOp.SMove => n != 3 ? KvCommandRules.Arity(c) : null,
            SetOp.SIsMember => n != 2 ? KvCommandRules.Arity(c) : null,
            SetOp.SMembers or SetOp.SCard => n != 1 ? KvCommandRules.Arity(c) : null,
            SetOp.SScan => ScanSyntax.Check(c),
            _ => $"ERR unknown command op {(ushort)c.Op}",
        };
    }
}
