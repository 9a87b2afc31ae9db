using Cairn.StateMachine.Collections;
using Cairn.Storage;

namespace Cairn.StateMachine.Hashes;

/// <summary>
/// The hash family's reads (t_hash.c, Redis 7.0) on a read view: a query's snapshot, or (inside a transaction or a
/// script) the apply context. Fields come in hash order (<see cref="MemberKeys"/>), Redis's own order being its
/// encoding's. Operands: <see cref="HashOp"/>.
/// </summary>
internal static class HashReads
{
    public static KvReply Answer(IReadView view, KvCommand c)
    {
        var hash = view.Open(c.Args[0], ValueType.Hash, out var error);
        if (error is not null)
        {
            return error.Value;
        }
        return (HashOp)c.Op.Low() switch
        {
            HashOp.HGet => hash is null ? KvReply.Null : Field(view, hash, c.Args[1]) is { } value ? KvReply.Bulk(value) : KvReply.Null,
            HashOp.HMGet => HMGet(view, hash, c),
            HashOp.HGetAll => KvReply.Map([.. Each(view, hash, (list, field, value) => { list.Add(KvReply.Bulk(field.ToArray())); list.Add(KvReply.Bulk(value.ToArray())); })]),
            HashOp.HKeys => KvReply.Array([.. Each(view, hash, (list, field, _) => list.Add(KvReply.Bulk(field.ToArray())))]),
            HashOp.HVals => KvReply.Array([.. Each(view, hash, (list, _, value) => list.Add(KvReply.Bulk(value.ToArray())))]),
            HashOp.HLen => KvReply.Int(hash?.Size ?? 0),
            HashOp.HExists => KvReply.Int(hash is not null && Field(view, hash, c.Args[1]) is not null ? 1 : 0),
            HashOp.HStrLen => KvReply.Int(hash is null ? 0 : Field(view, hash, c.Args[1])?.Length ?? 0),
            HashOp.HRandField => HRandField(view, hash, c),
            HashOp.HScan => MemberScan.Scan(view, hash, c, (list, field, value) => { list.Add(KvReply.Bulk(field.ToArray())); list.Add(KvReply.Bulk(value.ToArray())); }),
            _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a query"),
        };
    }

    private static byte[]? Field(IReadView view, Collection hash, byte[] field) => view.Get(KvSpace.Members, MemberKeys.Hashed(hash.Prefix, field));

    private static KvReply HMGet(IReadView view, Collection? hash, KvCommand c)
    {
        var items = new KvReply[c.Args.Length - 1];
        for (var i = 1; i < c.Args.Length; i++)
        {
            items[i - 1] = hash is not null && Field(view, hash, c.Args[i]) is { } value ? KvReply.Bulk(value) : KvReply.Null;
        }
        return KvReply.Array(items);
    }

    private static List<KvReply> Each(IReadView view, Collection? hash, Action<List<KvReply>, ReadOnlySpan<byte>, ReadOnlySpan<byte>> emit)
    {
        var items = new List<KvReply>();
        if (hash is null)
        {
            return items;
        }
        using var iterator = view.Iterate(KvSpace.Members, hash.Prefix);
        for (; iterator.Valid; iterator.Next())
        {
            emit(items, MemberKeys.MemberOf(iterator.Key, hash.Prefix.Length), iterator.Value);
        }
        return items;
    }

    private static KvReply HRandField(IReadView view, Collection? hash, KvCommand c)
    {
        var random = new EntryRandom(Random.Shared.NextInt64());
        if (!c.Has(KvFlags.Count))
        {
            return hash is null ? KvReply.Null : KvReply.Bulk(MemberKeys.MemberOf(RandomMembers.One(view, hash, random).Key, hash.Prefix.Length).ToArray());
        }
        if (hash is null || c.Number == 0)
        {
            return KvReply.Array([]);
        }
        var items = new List<KvReply>();
        foreach (var (key, value) in RandomMembers.Many(view, hash, c.Number, random))
        {
            items.Add(KvReply.Bulk(MemberKeys.MemberOf(key, hash.Prefix.Length).ToArray()));
            if (c.Has(KvFlags.WithValues))
            {
                items.Add(KvReply.Bulk(value));
            }
        }
        return c.Has(KvFlags.WithValues) ? KvReply.Pairs([.. items]) : KvReply.Array([.. items]);
    }
}
