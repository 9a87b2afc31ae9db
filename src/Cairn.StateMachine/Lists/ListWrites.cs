using Cairn.StateMachine.Collections;
using Cairn.Storage;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.Lists;

/// <summary>The list family's writes (t_list.c, Redis 7.0), on the apply context. Operands: <see cref="ListOp"/>.</summary>
internal static class ListWrites
{
    public static KvReply Apply(Context ctx, KvCommand c) => (ListOp)c.Op.Low() switch
    {
        ListOp.LPush => Push(ctx, c),
        ListOp.LPop => Pop(ctx, c),
        ListOp.LSet => LSet(ctx, c),
        ListOp.LInsert => LInsert(ctx, c),
        ListOp.LRem => LRem(ctx, c),
        ListOp.LTrim => LTrim(ctx, c),
        ListOp.LMove => LMove(ctx, c),
        ListOp.LMPop => LMPop(ctx, c),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a write"),
    };

    private static KvReply Push(Context ctx, KvCommand c)
    {
        Collection? list;
        KvReply? error;
        if (c.Has(KvFlags.Xx))
        {
            list = ctx.Open(c.Args[0], ValueType.List, out error);
            if (list is null)
            {
                return error ?? KvReply.Int(0);
            }
        }
        else if ((list = ctx.OpenForWrite(c.Args[0], ValueType.List, out error)) is null)
        {
            return error!.Value;
        }
        var tail = c.Has(KvFlags.Rev);
        foreach (var element in c.Args.AsSpan(1))
        {
            ListStore.Push(ctx, list, element, tail);
        }
        ctx.Save(list);
        ctx.Notify(KeyspaceEvents.List, tail ? "rpush" : "lpush", c.Args[0]);
        return KvReply.Int(list.Size);
    }

    private static KvReply Pop(Context ctx, KvCommand c)
    {
        var counted = c.Has(KvFlags.Count);
        if (ctx.Open(c.Args[0], ValueType.List, out var error) is not { } list)
        {
            return error ?? (counted ? KvReply.NullArray : KvReply.Null);
        }
        if (counted && c.Number == 0)
        {
            return KvReply.Array([]);
        }
        var popped = ListStore.Pop(ctx, list, c.Has(KvFlags.Rev), counted ? c.Number : 1);
        ctx.Notify(KeyspaceEvents.List, c.Has(KvFlags.Rev) ? "rpop" : "lpop", c.Args[0]);
        ctx.Save(list);
        return counted ? Elements(popped) : KvReply.Bulk(popped[0]);
    }

    public static KvReply Elements(List<byte[]> elements) => KvReply.Array([.. elements.Select(e => KvReply.Bulk(e))]);

    private static KvReply LSet(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.List, out var error) is not { } list)
        {
            return error ?? KvReply.Error(KvErrors.NoSuchKey);
        }
        if (c.Has(KvFlags.IndexRefused))
        {
            return KvReply.Error(KvErrors.NotInteger);
        }
        if (ListStore.Index(list, c.Number) is not { } index)
        {
            return KvReply.Error("ERR index out of range");
        }
        ctx.Put(KvSpace.Members, ListStore.KeyAt(list, index), c.Args[1]);
        ctx.Save(list);
        ctx.Notify(KeyspaceEvents.List, "lset", c.Args[0]);
        return KvReply.Ok;
    }

    private static KvReply LInsert(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.List, out var error) is not { } list)
        {
            return error ?? KvReply.Int(0);
        }
        long? pivot = null;
        foreach (var (index, element) in ListStore.Walk(ctx, list, fromTail: false))
        {
            if (element.AsSpan().SequenceEqual(c.Args[1]))
            {
                pivot = index;
                break;
            }
        }
        if (pivot is null)
        {
            return KvReply.Int(-1);
        }
        ListStore.Insert(ctx, list, pivot.Value + (c.Has(KvFlags.Rev) ? 1 : 0), c.Args[2]);
        ctx.Save(list);
        ctx.Notify(KeyspaceEvents.List, "linsert", c.Args[0]);
        return KvReply.Int(list.Size);
    }

    /// <summary>LREM: a positive count removes from the head, a negative one from the tail, 0 every match.</summary>
    private static KvReply LRem(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.List, out var error) is not { } list)
        {
            return error ?? KvReply.Int(0);
        }
        var fromTail = c.Number < 0;
        var wanted = c.Number == long.MinValue ? long.MaxValue : Math.Abs(c.Number);
        var removed = new List<long>();
        foreach (var (index, element) in ListStore.Walk(ctx, list, fromTail))
        {
            if (element.AsSpan().SequenceEqual(c.Args[1]))
            {
                removed.Add(index);
                if (wanted != 0 && removed.Count == wanted)
                {
                    break;
                }
            }
        }
        if (removed.Count == 0)
        {
            return KvReply.Int(0);
        }
        if (fromTail)
        {
            removed.Reverse();
        }
        ListStore.RemoveAt(ctx, list, removed);
        ctx.Notify(KeyspaceEvents.List, "lrem", c.Args[0]);
        ctx.Save(list);
        return KvReply.Int(removed.Count);
    }

    private static KvReply LTrim(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.List, out var error) is not { } list)
        {
            return error ?? KvReply.Ok;
        }
        var (fromHead, fromTail) = IndexRange.Window(c.Number, c.Number2, list.Size) is { Count: > 0 } kept
            ? (kept.Start, list.Size - kept.Start - kept.Count)
            : (list.Size, 0);
        // Redis notifies "ltrim" whenever the list exists, trimmed or not.
        ctx.Notify(KeyspaceEvents.List, "ltrim", c.Args[0]);
        if (fromHead + fromTail > 0)
        {
            ListStore.Trim(ctx, list, fromHead, fromTail);
            ctx.Save(list);
        }
        return KvReply.Ok;
    }

    /// <summary>LMOVE and RPOPLPUSH: the destination's type is checked only once the source has an element.</summary>
    private static KvReply LMove(Context ctx, KvCommand c)
    {
        if (ctx.Open(c.Args[0], ValueType.List, out var error) is not { } source)
        {
            return error ?? KvReply.Null;
        }
        var same = c.Args[0].AsSpan().SequenceEqual(c.Args[1]);
        var destination = same ? source : ctx.OpenForWrite(c.Args[1], ValueType.List, out error);
        if (destination is null)
        {
            return error!.Value;
        }
        var element = ListStore.Pop(ctx, source, c.Number == 1, 1)[0];
        ListStore.Push(ctx, destination, element, c.Number2 == 1);
        // Redis's order: the push (after the destination is created), then the pop (before the source is deleted).
        if (!same)
        {
            ctx.Save(destination);
        }
        ctx.Notify(KeyspaceEvents.List, c.Number2 == 1 ? "rpush" : "lpush", c.Args[1]);
        ctx.Notify(KeyspaceEvents.List, c.Number == 1 ? "rpop" : "lpop", c.Args[0]);
        ctx.Save(source);
        return KvReply.Bulk(element);
    }

    /// <summary>LMPOP: the first key holding a list (a key of another type before it is WRONGTYPE).</summary>
    private static KvReply LMPop(Context ctx, KvCommand c)
    {
        if (ctx.FirstLive(c.Args, ValueType.List, out var error) is not (var key, var list))
        {
            return error ?? KvReply.NullArray;
        }
        var popped = ListStore.Pop(ctx, list, c.Has(KvFlags.Rev), c.Number);
        ctx.Notify(KeyspaceEvents.List, c.Has(KvFlags.Rev) ? "rpop" : "lpop", key);
        ctx.Save(list);
        return KvReply.Array([KvReply.Bulk(key), Elements(popped)]);
    }
}
