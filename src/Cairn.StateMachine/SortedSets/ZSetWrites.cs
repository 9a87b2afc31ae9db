using Cairn.StateMachine.Collections;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.SortedSets;

/// <summary>The sorted-set family's writes (t_zset.c, Redis 7.0), on the apply context. Operands: <see cref="ZSetOp"/>.</summary>
internal static class ZSetWrites
{
    public static KvReply Apply(Context ctx, KvCommand c) => (ZSetOp)c.Op.Low() switch
    {
        ZSetOp.ZAdd => ZAdd(ctx, c),
        ZSetOp.ZRem => ZRem(ctx, c),
        ZSetOp.ZRemRangeByRank or ZSetOp.ZRemRangeByScore or ZSetOp.ZRemRangeByLex => RemoveRange(ctx, c),
        ZSetOp.ZPop => ZPop(ctx, c),
        ZSetOp.ZMPop => ZMPop(ctx, c),
        ZSetOp.ZRangeStore => ZRangeStore(ctx, c),
        ZSetOp.ZUnionStore => Store(ctx, c, ZSetOp.ZUnion),
        ZSetOp.ZInterStore => Store(ctx, c, ZSetOp.ZInter),
        ZSetOp.ZDiffStore => Store(ctx, c, ZSetOp.ZDiff),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a write"),
    };

    /// <summary>zaddGenericCommand and zsetAdd: NX/XX/GT/LT decide per member; INCR replies with the new score (null when nothing was done).</summary>
    private static KvReply ZAdd(Context ctx, KvCommand c)
    {
        var incr = c.Has(KvFlags.Incr);
        if (ctx.OpenForWrite(c.Args[0], ValueType.ZSet, out var error) is not { } zset)
        {
            return error!.Value;
        }
        if (!zset.Existed && c.Has(KvFlags.Xx))
        {
            return incr ? KvReply.Null : KvReply.Int(0);
        }
        long added = 0, updated = 0, processed = 0;
        double last = 0;
        for (var i = 1; i + 1 < c.Args.Length; i += 2)
        {
            var score = ZBounds.ReadScore(c.Args[i]);
            var member = c.Args[i + 1];
            var current = ZStore.ScoreOf(ctx, zset, member);
            if (current is { } old)
            {
                if (c.Has(KvFlags.Nx))
                {
                    continue;
                }
                if (incr)
                {
                    score += old;
                    if (double.IsNaN(score))
                    {
                        return KvReply.Error("ERR resulting score is not a number (NaN)");
                    }
                }
                if ((c.Has(KvFlags.Gt) && score <= old) || (c.Has(KvFlags.Lt) && score >= old))
                {
                    continue;
                }
                processed++;
                last = score;
                if (score != old)
                {
                    ZStore.Put(ctx, zset, member, score, old);
                    updated++;
                }
            }
            else
            {
                if (c.Has(KvFlags.Xx))
                {
                    continue;
                }
                ZStore.Put(ctx, zset, member, score, null);
                added++;
                processed++;
                last = score;
            }
        }
        if (added + updated > 0)
        {
            ctx.Save(zset);
            ctx.Notify(KeyspaceEvents.ZSet, incr ? "zincr" : "zadd", c.Args[0]);
        }
        if (incr)
        {
            // The new score as computed (a -0 too); the stored one is 0 (ZStore.Put).
            return processed > 0 ? KvReply.FromDouble(last) : KvReply.Null;
        }
        return KvReply.Int(c.Has(KvFlags.Ch) ? added + updated : added);
    }

    private static KvReply ZRem(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.ZSet, out var error) is not { } zset)
        {
            return error ?? KvReply.Int(0);
        }
        long removed = 0;
        foreach (var member in c.Args.Skip(1))
        {
            if (ZStore.ScoreOf(ctx, zset, member) is { } score)
            {
                ZStore.Remove(ctx, zset, member, score);
                removed++;
            }
        }
        if (removed > 0)
        {
            ctx.Notify(KeyspaceEvents.ZSet, "zrem", c.Args[0]);
            ctx.Save(zset);
        }
        return KvReply.Int(removed);
    }

    private static KvReply RemoveRange(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.ZSet, out var error) is not { } zset)
        {
            return error ?? KvReply.Int(0);
        }
        var op = (ZSetOp)c.Op.Low();
        var range = op switch
        {
            ZSetOp.ZRemRangeByRank => new KvCommand(c.Op, c.Args, flags: KvFlags.None),
            ZSetOp.ZRemRangeByScore => new KvCommand(c.Op, c.Args, 0, -1, KvFlags.ByScore),
            _ => new KvCommand(c.Op, c.Args, 0, -1, KvFlags.ByLex),
        };
        var (min, max) = op == ZSetOp.ZRemRangeByRank ? (ZBounds.Rank(c.Number), ZBounds.Rank(c.Number2)) : (c.Args[1], c.Args[2]);
        var doomed = ZStore.Select(ctx, zset, range, min, max);
        foreach (var (member, score) in doomed)
        {
            ZStore.Remove(ctx, zset, member, score);
        }
        if (doomed.Count > 0)
        {
            ctx.Notify(KeyspaceEvents.ZSet, op switch { ZSetOp.ZRemRangeByRank => "zremrangebyrank", ZSetOp.ZRemRangeByScore => "zremrangebyscore", _ => "zremrangebylex" }, c.Args[0]);
            ctx.Save(zset);
        }
        return KvReply.Int(doomed.Count);
    }

    /// <summary>Pops up to <paramref name="count"/> of the lowest (or, with Rev, highest) members of a live sorted set.</summary>
    private static List<(byte[] Member, double Score)> Pop(Context ctx, Collection zset, bool rev, long count)
    {
        var popped = (rev ? ZStore.Descending(ctx, zset) : ZStore.Ascending(ctx, zset)).Take((int)Math.Min(count, int.MaxValue)).ToList();
        ZStore.RemoveEnd(ctx, zset, popped, fromTop: rev);
        ctx.Notify(KeyspaceEvents.ZSet, rev ? "zpopmax" : "zpopmin", zset.Key);
        ctx.Save(zset);
        return popped;
    }

    private static KvReply ZPop(Context ctx, KvCommand c)
    {
        var counted = c.Has(KvFlags.Count);
        if (ctx.Open(c.Args[0], ValueType.ZSet, out var error) is not { } zset)
        {
            return error ?? KvReply.Array([]);
        }
        if (counted && c.Number == 0)
        {
            return KvReply.Array([]);
        }
        var popped = Pop(ctx, zset, c.Has(KvFlags.Rev), counted ? c.Number : 1);
        if (!counted)
        {
            return KvReply.Array([KvReply.Bulk(popped[0].Member), KvReply.FromDouble(popped[0].Score)]);
        }
        return ZStore.Reply(popped, withScores: true);
    }

    /// <summary>ZMPOP: the first key holding a sorted set; its popped members always as [member, score] pairs.</summary>
    private static KvReply ZMPop(Context ctx, KvCommand c)
    {
        if (ctx.FirstLive(c.Args, ValueType.ZSet, out var error) is not (var key, var zset))
        {
            return error ?? KvReply.NullArray;
        }
        var popped = Pop(ctx, zset, c.Has(KvFlags.Rev), c.Number);
        return KvReply.Array([KvReply.Bulk(key), KvReply.Array([.. popped.Select(p => KvReply.Array([KvReply.Bulk(p.Member), KvReply.FromDouble(p.Score)]))])]);
    }

    private static KvReply ZRangeStore(Context ctx, KvCommand c)
    {
        var source = ctx.Open(c.Args[1], ValueType.ZSet, out var error);
        if (error is not null)
        {
            return error.Value;
        }
        var selected = source is null ? [] : ZStore.Select(ctx, source, c, c.Args[2], c.Args[3]);
        return Save(ctx, c.Args[0], selected, "zrangestore");
    }

    private static KvReply Store(Context ctx, KvCommand c, ZSetOp op)
    {
        var (refusal, keys, weights) = ZAlgebra.Operands(c, 1);
        var result = ZAlgebra.Compute(ctx, op, keys, weights, c.Flags, 0, out var failed);
        if ((failed ?? refusal) is { } error)
        {
            return error;
        }
        return Save(ctx, c.Args[0], result, op switch { ZSetOp.ZUnion => "zunionstore", ZSetOp.ZInter => "zinterstore", _ => "zdiffstore" });
    }

    /// <summary>Replaces the destination with the members given (deletes it when there are none, "del"; else the event); replies with their count.</summary>
    private static KvReply Save(Context ctx, byte[] destination, List<(byte[] Member, double Score)> members, string @event)
    {
        var zset = ctx.Replace(destination, ValueType.ZSet);
        foreach (var (member, score) in members)
        {
            ZStore.Put(ctx, zset, member, score, null);
        }
        ctx.Save(zset);
        if (zset.Size > 0)
        {
            ctx.Notify(KeyspaceEvents.ZSet, @event, destination);
        }
        return KvReply.Int(zset.Size);
    }
}
