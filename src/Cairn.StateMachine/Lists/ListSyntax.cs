using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Lists;

/// <summary>
/// The list commands' arguments made into commands as Redis 7.0's t_list.c reads them (argv with the command name
/// first, arity already checked), and the list ops' operand rules. Operands: <see cref="ListOp"/>.
/// </summary>
public static class ListSyntax
{
    private static KvOp Op(ListOp op) => KvOps.Of(op);

    public static Parsed LPush(byte[][] argv) => new KvCommand(Op(ListOp.LPush), argv[1..]);

    public static Parsed RPush(byte[][] argv) => new KvCommand(Op(ListOp.LPush), argv[1..], flags: KvFlags.Rev);

    public static Parsed LPushX(byte[][] argv) => new KvCommand(Op(ListOp.LPush), argv[1..], flags: KvFlags.Xx);

    public static Parsed RPushX(byte[][] argv) => new KvCommand(Op(ListOp.LPush), argv[1..], flags: KvFlags.Xx | KvFlags.Rev);

    public static Parsed LPop(byte[][] argv) => Pop(argv, KvFlags.None);

    public static Parsed RPop(byte[][] argv) => Pop(argv, KvFlags.Rev);

    public static Parsed LLen(byte[][] argv) => new KvCommand(Op(ListOp.LLen), argv[1..]);

    /// <summary>popGenericCommand: more than a count is an arity error; a count is a non-negative integer.</summary>
    private static Parsed Pop(byte[][] argv, KvFlags side)
    {
        if (argv.Length > 3)
        {
            return Parsed.WrongArity(argv);
        }
        if (argv.Length == 2)
        {
            return new KvCommand(Op(ListOp.LPop), [argv[1]], flags: side);
        }
        return PopSyntax.TryCount(argv[2], out var count)
            ? new KvCommand(Op(ListOp.LPop), [argv[1]], count, flags: side | KvFlags.Count)
            : Parsed.Fail(PopSyntax.NotPositive);
    }

    /// <summary>LINDEX key index: the key is looked up before the index is parsed.</summary>
    public static Parsed LIndex(byte[][] argv) => Indexed(ListOp.LIndex, argv, [argv[1]]);

    /// <summary>LSET key index element: the key is looked up before the index is parsed.</summary>
    public static Parsed LSet(byte[][] argv) => Indexed(ListOp.LSet, argv, [argv[1], argv[3]]);

    private static KvCommand Indexed(ListOp op, byte[][] argv, byte[][] args) =>
        RedisNumbers.TryParseInt64(argv[2], out var index)
            ? new KvCommand(Op(op), args, index)
            : new KvCommand(Op(op), args, flags: KvFlags.IndexRefused);

    public static Parsed LRange(byte[][] argv) => Span(ListOp.LRange, argv);

    public static Parsed LTrim(byte[][] argv) => Span(ListOp.LTrim, argv);

    private static Parsed Span(ListOp op, byte[][] argv) =>
        RedisNumbers.TryParseInt64(argv[2], out var start) && RedisNumbers.TryParseInt64(argv[3], out var stop)
            ? new KvCommand(Op(op), [argv[1]], start, stop)
            : Parsed.Fail(KvErrors.NotInteger);

    /// <summary>LINSERT key BEFORE|AFTER pivot element.</summary>
    public static Parsed LInsert(byte[][] argv)
    {
        var after = ScanSyntax.Is(argv[2], "AFTER");
        if (!after && !ScanSyntax.Is(argv[2], "BEFORE"))
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        return new KvCommand(Op(ListOp.LInsert), [argv[1], argv[3], argv[4]], flags: after ? KvFlags.Rev : KvFlags.None);
    }

    /// <summary>LREM key count element.</summary>
    public static Parsed LRem(byte[][] argv) =>
        RedisNumbers.TryParseInt64(argv[2], out var count)
            ? new KvCommand(Op(ListOp.LRem), [argv[1], argv[3]], count)
            : Parsed.Fail(KvErrors.NotInteger);

    /// <summary>LMOVE source destination LEFT|RIGHT LEFT|RIGHT.</summary>
    public static Parsed LMove(byte[][] argv) =>
        Side(argv[3]) is { } from && Side(argv[4]) is { } to
            ? new KvCommand(Op(ListOp.LMove), [argv[1], argv[2]], from, to)
            : Parsed.Fail(KvErrors.Syntax);

    /// <summary>RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT.</summary>
    public static Parsed RPopLPush(byte[][] argv) => new KvCommand(Op(ListOp.LMove), [argv[1], argv[2]], 1, 0);

    private static long? Side(byte[] arg) => ScanSyntax.Is(arg, "LEFT") ? 0 : ScanSyntax.Is(arg, "RIGHT") ? 1 : null;

    public static Parsed LMPop(byte[][] argv) => PopSyntax.Multi(argv, Op(ListOp.LMPop), "LEFT", "RIGHT");

    /// <summary>LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] (lposCommand): options before the key.</summary>
    public static Parsed LPos(byte[][] argv)
    {
        long rank = 1, count = -1, maxlen = 0;
        for (var i = 3; i < argv.Length; i++)
        {
            var more = i + 1 < argv.Length;
            if (more && ScanSyntax.Is(argv[i], "RANK"))
            {
                if (!RedisNumbers.TryParseInt64(argv[++i], out rank))
                {
                    return Parsed.Fail(KvErrors.NotInteger);
                }
                if (rank == 0)
                {
                    return Parsed.Fail(RankZero);
                }
            }
            else if (more && ScanSyntax.Is(argv[i], "COUNT"))
            {
                if (!PopSyntax.TryCount(argv[++i], out count))
                {
                    return Parsed.Fail("ERR COUNT can't be negative");
                }
            }
            else if (more && ScanSyntax.Is(argv[i], "MAXLEN"))
            {
                if (!PopSyntax.TryCount(argv[++i], out maxlen))
                {
                    return Parsed.Fail("ERR MAXLEN can't be negative");
                }
            }
            else
            {
                return Parsed.Fail(KvErrors.Syntax);
            }
        }
        var maxlenBytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(maxlenBytes, maxlen);
        return new KvCommand(Op(ListOp.LPos), [argv[1], argv[2], maxlenBytes], rank, count == -1 ? 0 : count, count == -1 ? KvFlags.None : KvFlags.Count);
    }

    private const string RankZero =
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

    /// <summary>The operand rules of the list ops (see <see cref="ListOp"/>): Redis's error, or null.</summary>
    public static string? Check(KvCommand c)
    {
        var n = c.Args.Length;
        return (ListOp)c.Op.Low() switch
        {
            ListOp.LPush => n < 2 ? KvCommandRules.Arity(c) : null,
            ListOp.LPop => n != 1 ? KvCommandRules.Arity(c) : c.Has(KvFlags.Count) && c.Number < 0 ? PopSyntax.NotPositive : null,
            ListOp.LSet => n != 2 ? KvCommandRules.Arity(c) : null,
            ListOp.LInsert => n != 3 ? KvCommandRules.Arity(c) : null,
            ListOp.LRem => n != 2 ? KvCommandRules.Arity(c) : null,
            ListOp.LTrim or ListOp.LRange or ListOp.LLen or ListOp.LIndex => n != 1 ? KvCommandRules.Arity(c) : null,
            ListOp.LMove => n != 2 ? KvCommandRules.Arity(c) : c.Number is not (0 or 1) || c.Number2 is not (0 or 1) ? KvErrors.Syntax : null,
            ListOp.LMPop => n < 1 ? KvCommandRules.Arity(c) : c.Number < 1 ? "ERR count should be greater than 0" : null,
            ListOp.LPos => n != 3 || c.Args[2].Length != 8 ? KvCommandRules.Arity(c)
                : c.Number == 0 ? RankZero
                : c.Number2 < 0 ? "ERR COUNT can't be negative"
                : MaxLen(c) < 0 ? "ERR MAXLEN can't be negative"
                : null,
            _ => $"ERR unknown command op {(ushort)c.Op}",
        };
    }

    internal static long MaxLen(KvCommand c) => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(c.Args[2]);
}
