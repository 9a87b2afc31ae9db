using System.Text;
using Cairn.StateMachine.Collections;
using Cairn.Storage;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.Hashes;

/// <summary>The hash family's writes (t_hash.c, Redis 7.0), on the apply context. Operands: <see cref="HashOp"/>.</summary>
internal static class HashWrites
{
    public static KvReply Apply(Context ctx, KvCommand c) => (HashOp)c.Op.Low() switch
    {
        HashOp.HSet => HSet(ctx, c, KvReply.Int),
        HashOp.HMSet => HSet(ctx, c, _ => KvReply.Ok),
        HashOp.HSetNx => HSetNx(ctx, c),
        HashOp.HDel => HDel(ctx, c),
        HashOp.HIncrBy => HIncrBy(ctx, c),
        HashOp.HIncrByFloat => HIncrByFloat(ctx, c),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a write"),
    };

    private static KvReply HSet(Context ctx, KvCommand c, Func<long, KvReply> reply)
    {
        if (ctx.OpenForWrite(c.Args[0], ValueType.Hash, out var error) is not { } hash)
        {
            return error!.Value;
        }
        long added = 0;
        for (var i = 1; i + 1 < c.Args.Length; i += 2)
        {
            var key = MemberKeys.Hashed(hash.Prefix, c.Args[i]);
            if (ctx.Get(KvSpace.Members, key) is null)
            {
                added++;
            }
            hash.Note(c.Args[i], c.Args[i + 1].Length);
            ctx.Put(KvSpace.Members, key, c.Args[i + 1]);
        }
        hash.Size += added;
        ctx.Save(hash);
        ctx.Notify(KeyspaceEvents.Hash, "hset", c.Args[0]);
        return reply(added);
    }

    private static KvReply HSetNx(Context ctx, KvCommand c)
    {
        if (ctx.OpenForWrite(c.Args[0], ValueType.Hash, out var error) is not { } hash)
        {
            return error!.Value;
        }
        var key = MemberKeys.Hashed(hash.Prefix, c.Args[1]);
        if (ctx.Get(KvSpace.Members, key) is not null)
        {
            return KvReply.Int(0);
        }
        hash.Note(c.Args[1], c.Args[2].Length);
        ctx.Put(KvSpace.Members, key, c.Args[2]);
        hash.Size++;
        ctx.Save(hash);
        ctx.Notify(KeyspaceEvents.Hash, "hset", c.Args[0]);
        return KvReply.Int(1);
    }

    private static KvReply HDel(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.Hash, out var error) is not { } hash)
        {
            return error ?? KvReply.Int(0);
        }
        long removed = 0;
        for (var i = 1; i < c.Args.Length; i++)
        {
            var key = MemberKeys.Hashed(hash.Prefix, c.Args[i]);
            if (ctx.Get(KvSpace.Members, key) is not null)
            {
                ctx.Delete(KvSpace.Members, key);
                removed++;
            }
        }
        if (removed > 0)
        {
            hash.Size -= removed;
            ctx.Notify(KeyspaceEvents.Hash, "hdel", c.Args[0]);
            ctx.Save(hash);
        }
        return KvReply.Int(removed);
    }

    private static KvReply HIncrBy(Context ctx, KvCommand c)
    {
        if (ctx.OpenForWrite(c.Args[0], ValueType.Hash, out var error) is not { } hash)
        {
            return error!.Value;
        }
        var key = MemberKeys.Hashed(hash.Prefix, c.Args[1]);
        long current = 0;
        var value = ctx.Get(KvSpace.Members, key);
        if (value is not null && !RedisNumbers.TryParseInt64(value, out current))
        {
            return KvReply.Error("ERR hash value is not an integer");
        }
        if ((c.Number < 0 && current < 0 && c.Number < long.MinValue - current) || (c.Number > 0 && current > 0 && c.Number > long.MaxValue - current))
        {
            return KvReply.Error(KvErrors.Overflow);
        }
        var result = current + c.Number;
        var formatted = RedisNumbers.FormatInt64(result);
        hash.Note(c.Args[1], formatted.Length);
        ctx.Put(KvSpace.Members, key, formatted);
        if (value is null)
        {
            hash.Size++;
        }
        ctx.Save(hash);
        ctx.Notify(KeyspaceEvents.Hash, "hincrby", c.Args[0]);
        return KvReply.Int(result);
    }

    private static KvReply HIncrByFloat(Context ctx, KvCommand c)
    {
        if (ctx.OpenForWrite(c.Args[0], ValueType.Hash, out var error) is not { } hash)
        {
            return error!.Value;
        }
        var key = MemberKeys.Hashed(hash.Prefix, c.Args[1]);
        double current = 0;
        var value = ctx.Get(KvSpace.Members, key);
        if (value is not null && !RedisNumbers.TryParseDouble(value, out current))
        {
            return KvReply.Error("ERR hash value is not a float");
        }
        var result = current + c.Float;
        if (!double.IsFinite(result))
        {
            return KvReply.Error(KvErrors.FloatOverflow);
        }
        var text = Encoding.ASCII.GetBytes(RedisNumbers.FormatDouble(result));
        hash.Note(c.Args[1], text.Length);
        ctx.Put(KvSpace.Members, key, text);
        if (value is null)
        {
            hash.Size++;
        }
        ctx.Save(hash);
        ctx.Notify(KeyspaceEvents.Hash, "hincrbyfloat", c.Args[0]);
        return KvReply.Bulk(text);
    }
}
