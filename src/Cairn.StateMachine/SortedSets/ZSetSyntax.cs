using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.SortedSets;

/// <summary>
/// The sorted-set commands' arguments made into commands as Redis 7.0's t_zset.c reads them (argv, the command's name
/// first, arity already checked), and the sorted-set ops' operand rules. Operands: <see cref="ZSetOp"/>.
/// </summary>
public static class ZSetSyntax
{
    private const string NotFloatRange = "ERR min or max is not a float";
    private const string NotLexRange = "ERR min or max not valid string range item";

    private static KvOp Op(ZSetOp op) => KvOps.Of(op);

    private static bool Is(byte[] arg, string word) => ScanSyntax.Is(arg, word);

    /// <summary>zaddGenericCommand: options, then score-member pairs.</summary>
    public static Parsed ZAdd(byte[][] argv)
    {
        var flags = KvFlags.None;
        var at = 2;
        for (; at < argv.Length; at++)
        {
            var option = argv[at];
            KvFlags flag = Is(option, "NX") ? KvFlags.Nx : Is(option, "XX") ? KvFlags.Xx : Is(option, "GT") ? KvFlags.Gt
                : Is(option, "LT") ? KvFlags.Lt : Is(option, "CH") ? KvFlags.Ch : Is(option, "INCR") ? KvFlags.Incr : KvFlags.None;
            if (flag == KvFlags.None)
            {
                break;
            }
            flags |= flag;
        }
        var elements = argv.Length - at;
        if (elements == 0 || elements % 2 != 0)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        if ((flags & (KvFlags.Nx | KvFlags.Xx)) == (KvFlags.Nx | KvFlags.Xx))
        {
            return Parsed.Fail("ERR XX and NX options at the same time are not compatible");
        }
        if (((flags & KvFlags.Nx) != 0 && (flags & (KvFlags.Gt | KvFlags.Lt)) != 0) || (flags & (KvFlags.Gt | KvFlags.Lt)) == (KvFlags.Gt | KvFlags.Lt))
        {
            return Parsed.Fail("ERR GT, LT, and/or NX options at the same time are not compatible");
        }
        if ((flags & KvFlags.Incr) != 0 && elements > 2)
        {
            return Parsed.Fail("ERR INCR option supports a single increment-element pair");
        }
        var args = new byte[1 + elements][];
        args[0] = argv[1];
        for (var i = 0; i < elements; i += 2)
        {
            if (!ZBounds.TryParseScore(argv[at + i], out var score))
            {
                return Parsed.Fail(KvErrors.NotFloat);
            }
            args[1 + i] = ZBounds.Score(score);
            args[2 + i] = argv[at + i + 1];
        }
        return new KvCommand(Op(ZSetOp.ZAdd), args, flags: flags);
    }

    public static Parsed ZIncrBy(byte[][] argv) =>
        ZBounds.TryParseScore(argv[2], out var by)
            ? new KvCommand(Op(ZSetOp.ZAdd), [argv[1], ZBounds.Score(by), argv[3]], flags: KvFlags.Incr)
            : Parsed.Fail(KvErrors.NotFloat);

    public static Parsed ZRem(byte[][] argv) => new KvCommand(Op(ZSetOp.ZRem), argv[1..]);

    public static Parsed ZCard(byte[][] argv) => new KvCommand(Op(ZSetOp.ZCard), argv[1..]);

    public static Parsed ZScore(byte[][] argv) => new KvCommand(Op(ZSetOp.ZScore), argv[1..]);

    public static Parsed ZMScore(byte[][] argv) => new KvCommand(Op(ZSetOp.ZMScore), argv[1..]);

    public static Parsed ZRank(byte[][] argv) => new KvCommand(Op(ZSetOp.ZRank), argv[1..]);

    public static Parsed ZRevRank(byte[][] argv) => new KvCommand(Op(ZSetOp.ZRank), argv[1..], flags: KvFlags.Rev);

    public static Parsed ZScan(byte[][] argv) => ScanSyntax.Parse(Op(ZSetOp.ZScan), argv);

    public static Parsed ZCount(byte[][] argv) => ScoreRangeOf(ZSetOp.ZCount, argv);

    public static Parsed ZRemRangeByScore(byte[][] argv) => ScoreRangeOf(ZSetOp.ZRemRangeByScore, argv);

    public static Parsed ZLexCount(byte[][] argv) => LexRangeOf(ZSetOp.ZLexCount, argv);

    public static Parsed ZRemRangeByLex(byte[][] argv) => LexRangeOf(ZSetOp.ZRemRangeByLex, argv);

    private static Parsed ScoreRangeOf(ZSetOp op, byte[][] argv) =>
        ZBounds.TryParseScoreBound(argv[2], out var min) && ZBounds.TryParseScoreBound(argv[3], out var max)
            ? new KvCommand(Op(op), [argv[1], ZBounds.Encode(min), ZBounds.Encode(max)])
            : Parsed.Fail(NotFloatRange);

    private static Parsed LexRangeOf(ZSetOp op, byte[][] argv) =>
        ZBounds.TryParseLexBound(argv[2], out var min) && ZBounds.TryParseLexBound(argv[3], out var max)
            ? new KvCommand(Op(op), [argv[1], ZBounds.Encode(min), ZBounds.Encode(max)])
            : Parsed.Fail(NotLexRange);

    public static Parsed ZRemRangeByRank(byte[][] argv) =>
        RedisNumbers.TryParseInt64(argv[2], out var start) && RedisNumbers.TryParseInt64(argv[3], out var stop)
            ? new KvCommand(Op(ZSetOp.ZRemRangeByRank), [argv[1]], start, stop)
            : Parsed.Fail(KvErrors.NotInteger);

    public static Parsed ZPopMin(byte[][] argv) => Pop(argv, KvFlags.None);

    public static Parsed ZPopMax(byte[][] argv) => Pop(argv, KvFlags.Rev);

    private static Parsed Pop(byte[][] argv, KvFlags rev)
    {
        if (argv.Length > 3)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        if (argv.Length == 2)
        {
            return new KvCommand(Op(ZSetOp.ZPop), [argv[1]], flags: rev);
        }
        if (!PopSyntax.TryCount(argv[2], out var count))
        {
            return Parsed.Fail(PopSyntax.NotPositive);
        }
        return new KvCommand(Op(ZSetOp.ZPop), [argv[1]], count, flags: rev | KvFlags.Count);
    }

    /// <summary>ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] (zmpopGenericCommand).</summary>
    public static Parsed ZMPop(byte[][] argv) => PopSyntax.Multi(argv, Op(ZSetOp.ZMPop), "MIN", "MAX");

    public static Parsed ZRange(byte[][] argv) => Range(argv, 1, store: false, KvFlags.None, fixedDirection: false);

    public static Parsed ZRangeStore(byte[][] argv) => Range(argv, 2, store: true, KvFlags.None, fixedDirection: false);

    public static Parsed ZRangeByScore(byte[][] argv) => Range(argv, 1, store: false, KvFlags.ByScore, fixedDirection: true);

    public static Parsed ZRevRangeByScore(byte[][] argv) => Range(argv, 1, store: false, KvFlags.ByScore | KvFlags.Rev, fixedDirection: true);

    public static Parsed ZRangeByLex(byte[][] argv) => Range(argv, 1, store: false, KvFlags.ByLex, fixedDirection: true);

    public static Parsed ZRevRangeByLex(byte[][] argv) => Range(argv, 1, store: false, KvFlags.ByLex | KvFlags.Rev, fixedDirection: true);

    public static Parsed ZRevRange(byte[][] argv) => Range(argv, 1, store: false, KvFlags.Rev, fixedDirection: true);

    /// <summary>
    /// zrangeGenericCommand: <paramref name="key"/> is the source's position; the range type and direction are given
    /// by the command (<paramref name="fixedDirection"/>) or by BYSCORE, BYLEX and REV.
    /// </summary>
    private static Parsed Range(byte[][] argv, int key, bool store, KvFlags given, bool fixedDirection)
    {
        var flags = given;
        var typeGiven = fixedDirection;
        long offset = 0, limit = -1;
        var limited = false;
        for (var j = key + 3; j < argv.Length; j++)
        {
            var left = argv.Length - j - 1;
            if (!store && Is(argv[j], "WITHSCORES"))
            {
                flags |= KvFlags.WithScores;
            }
            else if (Is(argv[j], "LIMIT") && left >= 2)
            {
                if (!RedisNumbers.TryParseInt64(argv[j + 1], out offset) || !RedisNumbers.TryParseInt64(argv[j + 2], out limit))
                {
                    return Parsed.Fail(KvErrors.NotInteger);
                }
                limited = true;
                j += 2;
            }
            else if (!fixedDirection && (flags & KvFlags.Rev) == 0 && Is(argv[j], "REV"))
            {
                flags |= KvFlags.Rev;
            }
            else if (!typeGiven && Is(argv[j], "BYLEX"))
            {
                flags |= KvFlags.ByLex;
                typeGiven = true;
            }
            else if (!typeGiven && Is(argv[j], "BYSCORE"))
            {
                flags |= KvFlags.ByScore;
                typeGiven = true;
            }
            else
            {
                return Parsed.Fail(KvErrors.Syntax);
            }
        }
        var byScore = (flags & KvFlags.ByScore) != 0;
        var byLex = (flags & KvFlags.ByLex) != 0;
        if (limited && limit != -1 && !byScore && !byLex)
        {
            return Parsed.Fail("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        }
        if ((flags & KvFlags.WithScores) != 0 && byLex)
        {
            return Parsed.Fail("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        }
        var (minAt, maxAt) = (flags & KvFlags.Rev) != 0 && (byScore || byLex) ? (key + 2, key + 1) : (key + 1, key + 2);
        byte[] min, max;
        if (byScore)
        {
            if (!ZBounds.TryParseScoreBound(argv[minAt], out var low) || !ZBounds.TryParseScoreBound(argv[maxAt], out var high))
            {
                return Parsed.Fail(NotFloatRange);
            }
            (min, max) = (ZBounds.Encode(low), ZBounds.Encode(high));
        }
        else if (byLex)
        {
            if (!ZBounds.TryParseLexBound(argv[minAt], out var low) || !ZBounds.TryParseLexBound(argv[maxAt], out var high))
            {
                return Parsed.Fail(NotLexRange);
            }
            (min, max) = (ZBounds.Encode(low), ZBounds.Encode(high));
        }
        else
        {
            if (!RedisNumbers.TryParseInt64(argv[minAt], out var start) || !RedisNumbers.TryParseInt64(argv[maxAt], out var stop))
            {
                return Parsed.Fail(KvErrors.NotInteger);
            }
            (min, max) = (ZBounds.Rank(start), ZBounds.Rank(stop));
        }
        if (limited)
        {
            flags |= KvFlags.Limit;
        }
        return store
            ? new KvCommand(Op(ZSetOp.ZRangeStore), [argv[1], argv[2], min, max], offset, limit, flags)
            : new KvCommand(Op(ZSetOp.ZRange), [argv[1], min, max], offset, limit, flags);
    }

    public static Parsed ZRandMember(byte[][] argv)
    {
        if (argv.Length == 2)
        {
            return new KvCommand(Op(ZSetOp.ZRandMember), [argv[1]]);
        }
        var withScores = argv.Length == 4 && Is(argv[3], "WITHSCORES");
        if (!RandomMembers.ParseCount(argv[2], withPairs: false, out var count, out var error))
        {
            return Parsed.Fail(error!);
        }
        if (argv.Length > 4 || (argv.Length == 4 && !withScores))
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        if (!RandomMembers.ParseCount(argv[2], withScores, out count, out error))
        {
            return Parsed.Fail(error!);
        }
        if (count < -RandomMembers.MaxRepeated)
        {
            return Parsed.Fail(RandomMembers.RepeatedTooMany);
        }
        return new KvCommand(Op(ZSetOp.ZRandMember), [argv[1]], count, flags: KvFlags.Count | (withScores ? KvFlags.WithScores : KvFlags.None));
    }

    public static Parsed ZUnion(byte[][] argv) => Combine(argv, ZSetOp.ZUnion, store: false);

    public static Parsed ZInter(byte[][] argv) => Combine(argv, ZSetOp.ZInter, store: false);

    public static Parsed ZDiff(byte[][] argv) => Combine(argv, ZSetOp.ZDiff, store: false);

    public static Parsed ZUnionStore(byte[][] argv) => Combine(argv, ZSetOp.ZUnionStore, store: true);

    public static Parsed ZInterStore(byte[][] argv) => Combine(argv, ZSetOp.ZInterStore, store: true);

    public static Parsed ZDiffStore(byte[][] argv) => Combine(argv, ZSetOp.ZDiffStore, store: true);

    /// <summary>
    /// zunionInterDiffGenericCommand: numkeys and keys at once; the options (WEIGHTS, AGGREGATE, WITHSCORES) only
    /// after every key's type is checked, so their error travels in the command (the refusal operand).
    /// </summary>
    private static Parsed Combine(byte[][] argv, ZSetOp op, bool store)
    {
        var numkeysAt = store ? 2 : 1;
        var diff = op is ZSetOp.ZDiff or ZSetOp.ZDiffStore;
        var card = op == ZSetOp.ZInterCard;
        long limit = 0;
        if (!RedisNumbers.TryParseInt64(argv[numkeysAt], out var n))
        {
            return Parsed.Fail(KvErrors.NotInteger);
        }
        var name = System.Text.Encoding.UTF8.GetString(argv[0]).ToLowerInvariant();
        if (n < 1)
        {
            return Parsed.Fail($"ERR at least 1 input key is needed for '{name}' command");
        }
        if (n > argv.Length - numkeysAt - 1)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        var count = (int)n;
        var keys = argv[(numkeysAt + 1)..(numkeysAt + 1 + count)];
        var weights = Enumerable.Range(0, count).Select(_ => ZBounds.Score(1)).ToArray();
        var flags = KvFlags.None;
        var refusal = "";
        for (var j = numkeysAt + 1 + count; j < argv.Length && refusal.Length == 0; j++)
        {
            var remaining = argv.Length - j;
            if (card)
            {
                if (remaining >= 2 && Is(argv[j], "LIMIT"))
                {
                    if (!RedisNumbers.TryParseInt64(argv[++j], out limit) || limit < 0)
                    {
                        refusal = "ERR LIMIT can't be negative";
                    }
                }
                else
                {
                    refusal = KvErrors.Syntax;
                }
            }
            else if (!diff && remaining >= count + 1 && Is(argv[j], "WEIGHTS"))
            {
                for (var i = 0; i < count; i++)
                {
                    if (!ZBounds.TryParseScore(argv[++j], out var weight))
                    {
                        refusal = "ERR weight value is not a float";
                        break;
                    }
                    weights[i] = ZBounds.Score(weight);
                }
            }
            else if (!diff && remaining >= 2 && Is(argv[j], "AGGREGATE"))
            {
                var how = argv[++j];
                flags &= ~(KvFlags.AggregateMin | KvFlags.AggregateMax);
                if (Is(how, "MIN"))
                {
                    flags |= KvFlags.AggregateMin;
                }
                else if (Is(how, "MAX"))
                {
                    flags |= KvFlags.AggregateMax;
                }
                else if (!Is(how, "SUM"))
                {
                    refusal = KvErrors.Syntax;
                }
            }
            else if (!store && Is(argv[j], "WITHSCORES"))
            {
                flags |= KvFlags.WithScores;
            }
            else
            {
                refusal = KvErrors.Syntax;
            }
        }
        var refused = System.Text.Encoding.ASCII.GetBytes(refusal);
        byte[][] args = store
            ? [argv[1], refused, .. keys, .. diff ? [] : weights]
            : [refused, .. keys, .. diff || card ? [] : weights];
        return new KvCommand(Op(op), args, n, refusal.Length == 0 ? limit : 0, flags);
    }

    public static Parsed ZInterCard(byte[][] argv) => Combine(argv, ZSetOp.ZInterCard, store: false);

    /// <summary>The operand rules of the sorted-set ops (see <see cref="ZSetOp"/>): Redis's error, or null.</summary>
    public static string? Check(KvCommand c)
    {
        var a = c.Args;
        var n = a.Length;
        return (ZSetOp)c.Op.Low() switch
        {
            ZSetOp.ZAdd => n < 3 || n % 2 == 0 ? KvCommandRules.Arity(c) : ZAddRules(c),
            ZSetOp.ZRem or ZSetOp.ZMScore => n < 2 ? KvCommandRules.Arity(c) : null,
            ZSetOp.ZRemRangeByRank or ZSetOp.ZCard => n != 1 ? KvCommandRules.Arity(c) : null,
            ZSetOp.ZRemRangeByScore or ZSetOp.ZCount => n != 3 ? KvCommandRules.Arity(c) : ZBounds.AreScoreBounds(a[1], a[2]) ? null : NotFloatRange,
            ZSetOp.ZRemRangeByLex or ZSetOp.ZLexCount => n != 3 ? KvCommandRules.Arity(c) : ZBounds.IsLexBound(a[1]) && ZBounds.IsLexBound(a[2]) ? null : NotLexRange,
            ZSetOp.ZPop => n != 1 ? KvCommandRules.Arity(c) : c.Number < 0 ? PopSyntax.NotPositive : null,
            ZSetOp.ZMPop => n < 1 ? KvCommandRules.Arity(c) : c.Number < 1 ? "ERR count should be greater than 0" : null,
            ZSetOp.ZScore or ZSetOp.ZRank => n != 2 ? KvCommandRules.Arity(c) : null,
            ZSetOp.ZRange => n != 3 ? KvCommandRules.Arity(c) : RangeRules(c, a[1], a[2]),
            ZSetOp.ZRangeStore => n != 4 ? KvCommandRules.Arity(c) : RangeRules(c, a[2], a[3]),
            ZSetOp.ZRandMember => n != 1 ? KvCommandRules.Arity(c) : c.Number < -RandomMembers.MaxRepeated ? RandomMembers.RepeatedTooMany : null,
            ZSetOp.ZUnion or ZSetOp.ZInter => CombineRules(c, 0, weighted: true),
            ZSetOp.ZDiff => CombineRules(c, 0, weighted: false),
            ZSetOp.ZUnionStore or ZSetOp.ZInterStore => CombineRules(c, 1, weighted: true),
            ZSetOp.ZDiffStore => CombineRules(c, 1, weighted: false),
            ZSetOp.ZInterCard => c.Number2 < 0 ? "ERR LIMIT can't be negative" : CombineRules(c, 0, weighted: false),
            ZSetOp.ZScan => ScanSyntax.Check(c),
            _ => $"ERR unknown command op {(ushort)c.Op}",
        };
    }

    private static string? ZAddRules(KvCommand c)
    {
        for (var i = 1; i < c.Args.Length; i += 2)
        {
            if (c.Args[i].Length != 8 || double.IsNaN(ZBounds.ReadScore(c.Args[i])))
            {
                return KvErrors.NotFloat;
            }
        }
        return c.Has(KvFlags.Incr) && c.Args.Length != 3 ? "ERR INCR option supports a single increment-element pair"
            : c.Has(KvFlags.Nx) && c.Has(KvFlags.Xx) ? "ERR XX and NX options at the same time are not compatible"
            : (c.Has(KvFlags.Gt) && c.Has(KvFlags.Lt)) || (c.Has(KvFlags.Nx) && (c.Has(KvFlags.Gt) || c.Has(KvFlags.Lt))) ? "ERR GT, LT, and/or NX options at the same time are not compatible"
            : null;
    }

    private static string? RangeRules(KvCommand c, byte[] min, byte[] max) =>
        c.Has(KvFlags.ByScore) && c.Has(KvFlags.ByLex) ? KvErrors.Syntax
        : c.Has(KvFlags.ByScore) ? (ZBounds.AreScoreBounds(min, max) ? null : NotFloatRange)
        : c.Has(KvFlags.ByLex) ? (ZBounds.IsLexBound(min) && ZBounds.IsLexBound(max) ? null : NotLexRange)
        : min.Length == 8 && max.Length == 8 ? null : KvErrors.NotInteger;

    /// <summary>[destination?] refusal, n keys, n weights when weighted; n = Number.</summary>
    private static string? CombineRules(KvCommand c, int skip, bool weighted)
    {
        var n = c.Number;
        if (n < 1 || n > 100_000_000 || c.Args.Length != skip + 1 + n * (weighted ? 2 : 1))
        {
            return KvCommandRules.Arity(c);
        }
        if (weighted)
        {
            for (var i = skip + 1 + (int)n; i < c.Args.Length; i++)
            {
                if (c.Args[i].Length != 8 || double.IsNaN(ZBounds.ReadScore(c.Args[i])))
                {
                    return "ERR weight value is not a float";
                }
            }
        }
        return null;
    }
}
