using Cairn.StateMachine.Collections;
using Cairn.Storage;

namespace Cairn.StateMachine.Sets;

/// <summary>
/// The set family's reads (t_set.c, Redis 7.0) on a read view, and the set algebra the STORE writes share. Members
/// come in hash order (<see cref="MemberKeys"/>). Operands: <see cref="SetOp"/>.
/// </summary>
internal static class SetReads
{
    public static KvReply Answer(IReadView view, KvCommand c)
    {
        var op = (SetOp)c.Op.Low();
        if (op is SetOp.SInter or SetOp.SUnion or SetOp.SDiff or SetOp.SInterCard)
        {
            var result = Combine(view, c.Args, op == SetOp.SInterCard ? SetOp.SInter : op, op == SetOp.SInterCard ? c.Number : 0, out var failed);
            return failed ?? (op == SetOp.SInterCard ? KvReply.Int(result.Count) : Members(result));
        }
        var set = view.Open(c.Args[0], ValueType.Set, out var error);
        if (error is not null)
        {
            return error.Value;
        }
        return op switch
        {
            SetOp.SMembers => Members(set is null ? [] : All(view, set)),
            SetOp.SIsMember => KvReply.Int(set is not null && Contains(view, set, c.Args[1]) ? 1 : 0),
            SetOp.SMIsMember => KvReply.Array([.. c.Args[1..].Select(m => KvReply.Int(set is not null && Contains(view, set, m) ? 1 : 0))]),
            SetOp.SCard => KvReply.Int(set?.Size ?? 0),
            SetOp.SRandMember => SRandMember(view, set, c),
            SetOp.SScan => MemberScan.Scan(view, set, c, (list, member, _) => list.Add(KvReply.Bulk(member.ToArray()))),
            _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a query"),
        };
    }

    public static KvReply Members(List<byte[]> members) => KvReply.Set([.. members.Select(m => KvReply.Bulk(m))]);

    public static bool Contains(IReadView view, Collection set, byte[] member) =>
        view.Get(KvSpace.Members, MemberKeys.Hashed(set.Prefix, member)) is not null;

    public static List<byte[]> All(IReadView view, Collection set)
    {
        var members = new List<byte[]>();
        using var iterator = view.Iterate(KvSpace.Members, set.Prefix);
        for (; iterator.Valid; iterator.Next())
        {
            members.Add(MemberKeys.MemberOf(iterator.Key, set.Prefix.Length).ToArray());
        }
        return members;
    }

    /// <summary>
    /// SINTER, SUNION or SDIFF of the keys (absent keys are empty sets), every key's type checked first as Redis does
    /// (<paramref name="failed"/>: WRONGTYPE). An intersection walks its smallest set and looks members up in the
    /// others, and stops at <paramref name="limit"/> (0: none).
    /// </summary>
    public static List<byte[]> Combine(IReadView view, byte[][] keys, SetOp op, long limit, out KvReply? failed)
    {
        failed = null;
        var sets = new Collection?[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            sets[i] = view.Open(keys[i], ValueType.Set, out var error);
            if (error is not null)
            {
                failed = error;
                return [];
            }
        }
        switch (op)
        {
            case SetOp.SInter:
                if (sets.Any(s => s is null))
                {
                    return [];
                }
                var bySize = sets.OrderBy(s => s!.Size).ToArray();
                var found = new List<byte[]>();
                foreach (var member in All(view, bySize[0]!))
                {
                    if (bySize.Skip(1).All(s => Contains(view, s!, member)))
                    {
                        found.Add(member);
                        if (limit > 0 && found.Count >= limit)
                        {
                            break;
                        }
                    }
                }
                return found;
            case SetOp.SUnion:
                var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
                var union = new List<byte[]>();
                foreach (var set in sets)
                {
                    if (set is not null)
                    {
                        union.AddRange(All(view, set).Where(seen.Add));
                    }
                }
                return union;
            default:
                if (sets[0] is not { } first)
                {
                    return [];
                }
                var others = sets.Skip(1).Where(s => s is not null && !ReferenceEquals(s, first)).ToArray();
                return [.. All(view, first).Where(m => !others.Any(s => Contains(view, s!, m)))];
        }
    }

    private static KvReply SRandMember(IReadView view, Collection? set, KvCommand c)
    {
        var random = new EntryRandom(Random.Shared.NextInt64());
        if (!c.Has(KvFlags.Count))
        {
            return set is null ? KvReply.Null : KvReply.Bulk(SetPositions.Kept(set)
                ? SetPositions.At(view, set, random.NextBelow(set.Size))
                : MemberKeys.MemberOf(RandomMembers.One(view, set, random).Key, set.Prefix.Length).ToArray());
        }
        if (set is null || c.Number == 0)
        {
            return KvReply.Array([]);
        }
        var drawn = SetPositions.Kept(set)
            ? SetPositions.Draw(view, set, c.Number, random)
            : [.. RandomMembers.Many(view, set, c.Number, random).Select(m => MemberKeys.MemberOf(m.Key, set.Prefix.Length).ToArray())];
        return KvReply.Array([.. drawn.Select(m => KvReply.Bulk(m))]);
    }
}
