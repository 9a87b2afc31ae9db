using Cairn.StateMachine.Collections;
using Cairn.Storage;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.Sets;

/// <summary>The set family's writes (t_set.c, Redis 7.0), on the apply context. Operands: <see cref="SetOp"/>.</summary>
internal static class SetWrites
{
    public static KvReply Apply(Context ctx, KvCommand c) => (SetOp)c.Op.Low() switch
    {
        SetOp.SAdd => SAdd(ctx, c),
        SetOp.SRem => SRem(ctx, c),
        SetOp.SPop => SPop(ctx, c),
        SetOp.SMove => SMove(ctx, c),
        SetOp.SInterStore => Store(ctx, c, SetOp.SInter),
        SetOp.SUnionStore => Store(ctx, c, SetOp.SUnion),
        SetOp.SDiffStore => Store(ctx, c, SetOp.SDiff),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a write"),
    };

    /// <summary>Adds a member (true when it was not there) to a set that keeps positions (<see cref="SetPositions.Ensure"/>).</summary>
    public static bool Add(Context ctx, Collection set, byte[] member)
    {
        var key = MemberKeys.Hashed(set.Prefix, member);
        if (ctx.Get(KvSpace.Members, key) is not null)
        {
            return false;
        }
        set.Note(member);
        SetPositions.Append(ctx, set, key, member);
        set.Size++;
        return true;
    }

    /// <summary>Removes a member (true when it was there) from a set that keeps positions.</summary>
    private static bool Remove(Context ctx, Collection set, byte[] member)
    {
        var key = MemberKeys.Hashed(set.Prefix, member);
        if (ctx.Get(KvSpace.Members, key) is not { } record)
        {
            return false;
        }
        SetPositions.Remove(ctx, set, record);
        ctx.Delete(KvSpace.Members, key);
        set.Size--;
        return true;
    }

    /// <summary>The set under a key to write to, keeping positions (see <see cref="Context.OpenForWrite"/>).</summary>
    private static Collection? OpenForWrite(Context ctx, byte[] key, out KvReply? error)
    {
        var set = ctx.OpenForWrite(key, ValueType.Set, out error);
        if (set is not null)
        {
            SetPositions.Ensure(ctx, set);
        }
        return set;
    }

    /// <summary>The live set under a key, keeping positions, or null (with WRONGTYPE when it holds another type).</summary>
    private static Collection? Open(Context ctx, byte[] key, out KvReply? error)
    {
        var set = ctx.Open(key, ValueType.Set, out error);
        if (set is not null)
        {
            SetPositions.Ensure(ctx, set);
        }
        return set;
    }

    private static KvReply SAdd(Context ctx, KvCommand c)
    {
        if (OpenForWrite(ctx, c.Args[0], out var error) is not { } set)
        {
            return error!.Value;
        }
        var added = c.Args.Skip(1).Count(member => Add(ctx, set, member));
        if (added > 0)
        {
            ctx.Save(set);
            ctx.Notify(KeyspaceEvents.Set, "sadd", c.Args[0]);
        }
        return KvReply.Int(added);
    }

    private static KvReply SRem(Context ctx, KvCommand c)
    {
        if (Open(ctx, c.Args[0], out var error) is not { } set)
        {
            return error ?? KvReply.Int(0);
        }
        var removed = c.Args.Skip(1).Count(member => Remove(ctx, set, member));
        if (removed > 0)
        {
            ctx.Notify(KeyspaceEvents.Set, "srem", c.Args[0]);
            ctx.Save(set);
        }
        return KvReply.Int(removed);
    }

    /// <summary>Members drawn with the entry's random numbers, so every replica pops the same ones.</summary>
    private static KvReply SPop(Context ctx, KvCommand c)
    {
        var counted = c.Has(KvFlags.Count);
        if (Open(ctx, c.Args[0], out var error) is not { } set)
        {
            return error ?? (counted ? KvReply.Set([]) : KvReply.Null);
        }
        if (counted && c.Number == 0)
        {
            return KvReply.Set([]);
        }
        if (counted && c.Number >= set.Size)
        {
            // All of them, in hash order: the key goes, and its members with it in one range deletion.
            var all = SetReads.All(ctx, set);
            set.Size = 0;
            ctx.Notify(KeyspaceEvents.Set, "spop", c.Args[0]);
            ctx.Save(set);
            return SetReads.Members(all);
        }
        // One draw per member: a position, whose member leaves (the last taking its place), so the next draws from the rest.
        var members = new List<byte[]>();
        for (long i = 0, count = counted ? c.Number : 1; i < count; i++)
        {
            var member = SetPositions.At(ctx, set, ctx.Random.NextBelow(set.Size));
            Remove(ctx, set, member);
            members.Add(member);
        }
        ctx.Notify(KeyspaceEvents.Set, "spop", c.Args[0]);
        ctx.Save(set);
        return counted ? SetReads.Members(members) : KvReply.Bulk(members[0]);
    }

    private static KvReply SMove(Context ctx, KvCommand c)
    {
        if (Open(ctx, c.Args[0], out var error) is not { } source)
        {
            return error ?? KvReply.Int(0);
        }
        var destination = OpenForWrite(ctx, c.Args[1], out error);
        if (destination is null)
        {
            return error!.Value;
        }
        if (c.Args[0].AsSpan().SequenceEqual(c.Args[1]))
        {
            return KvReply.Int(SetReads.Contains(ctx, source, c.Args[2]) ? 1 : 0);
        }
        if (!Remove(ctx, source, c.Args[2]))
        {
            return KvReply.Int(0);
        }
        ctx.Notify(KeyspaceEvents.Set, "srem", c.Args[0]);
        ctx.Save(source);
        if (Add(ctx, destination, c.Args[2]))
        {
            ctx.Save(destination);
            ctx.Notify(KeyspaceEvents.Set, "sadd", c.Args[1]);
        }
        return KvReply.Int(1);
    }

    /// <summary>SINTERSTORE, SUNIONSTORE, SDIFFSTORE: the result replaces the destination, whatever it held; empty, it deletes it.</summary>
    private static KvReply Store(Context ctx, KvCommand c, SetOp op)
    {
        var result = SetReads.Combine(ctx, c.Args[1..], op, 0, out var failed);
        if (failed is not null)
        {
            return failed.Value;
        }
        var set = ctx.Replace(c.Args[0], ValueType.Set);
        SetPositions.Ensure(ctx, set);
        foreach (var member in result)
        {
            Add(ctx, set, member);
        }
        ctx.Save(set);
        if (set.Size > 0)
        {
            ctx.Notify(KeyspaceEvents.Set, op switch { SetOp.SInter => "sinterstore", SetOp.SUnion => "sunionstore", _ => "sdiffstore" }, c.Args[0]);
        }
        return KvReply.Int(set.Size);
    }
}
