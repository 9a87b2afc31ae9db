using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.SortedSets;

/// <summary>The sorted-set family's reads (t_zset.c, Redis 7.0) on a read view. Operands: <see cref="ZSetOp"/>.</summary>
internal static class ZSetReads
{
    public static KvReply Answer(IReadView view, KvCommand c)
    {
        var op = (ZSetOp)c.Op.Low();
        switch (op)
        {
            case ZSetOp.ZUnion or ZSetOp.ZInter or ZSetOp.ZDiff:
                var (refusal, keys, weights) = ZAlgebra.Operands(c, 0);
                var result = ZAlgebra.Compute(view, op, keys, weights, c.Flags, 0, out var failed);
                return failed ?? refusal ?? ZStore.Reply(result, c.Has(KvFlags.WithScores));
            case ZSetOp.ZInterCard:
                var (refused, sources, _) = ZAlgebra.Operands(c, 0);
                var inter = ZAlgebra.Compute(view, ZSetOp.ZInter, sources, [], KvFlags.None, c.Number2, out var error);
                return error ?? refused ?? KvReply.Int(inter.Count);
        }
        var zset = view.Open(c.Args[0], ValueType.ZSet, out var wrong);
        if (wrong is not null)
        {
            return wrong.Value;
        }
        return op switch
        {
            ZSetOp.ZCard => KvReply.Int(zset?.Size ?? 0),
            ZSetOp.ZScore => zset is not null && ZStore.ScoreOf(view, zset, c.Args[1]) is { } score ? KvReply.FromDouble(score) : KvReply.Null,
            ZSetOp.ZMScore => KvReply.Array([.. c.Args[1..].Select(m => zset is not null && ZStore.ScoreOf(view, zset, m) is { } s ? KvReply.FromDouble(s) : KvReply.Null)]),
            ZSetOp.ZRank => Rank(view, zset, c),
            ZSetOp.ZCount => KvReply.Int(zset is null ? 0 : Count(view, zset, c, KvFlags.ByScore)),
            ZSetOp.ZLexCount => KvReply.Int(zset is null ? 0 : Count(view, zset, c, KvFlags.ByLex)),
            ZSetOp.ZRange => zset is null ? KvReply.Array([]) : ZStore.Reply(ZStore.Select(view, zset, c, c.Args[1], c.Args[2]), c.Has(KvFlags.WithScores)),
            ZSetOp.ZRandMember => RandMember(view, zset, c),
            ZSetOp.ZScan => MemberScan.Scan(view, zset, c, (list, member, value) =>
            {
                list.Add(KvReply.Bulk(member.ToArray()));
                list.Add(KvReply.Bulk(RedisNumbers.FormatScore(ZBounds.ReadScore(value))));
            }),
            _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a query"),
        };
    }

    private static KvReply Rank(IReadView view, Collection? zset, KvCommand c)
    {
        if (zset is null || ZStore.ScoreOf(view, zset, c.Args[1]) is not { } score)
        {
            return KvReply.Null;
        }
        var rank = ZStore.RankOf(view, zset, c.Args[1], score);
        return KvReply.Int(c.Has(KvFlags.Rev) ? zset.Size - 1 - rank : rank);
    }

    private static long Count(IReadView view, Collection zset, KvCommand c, KvFlags by)
    {
        var range = new KvCommand(c.Op, c.Args, 0, -1, by);
        return ZStore.Select(view, zset, range, c.Args[1], c.Args[2]).Count;
    }

    private static KvReply RandMember(IReadView view, Collection? zset, KvCommand c)
    {
        var random = new EntryRandom(Random.Shared.NextInt64());
        if (!c.Has(KvFlags.Count))
        {
            return zset is null ? KvReply.Null : KvReply.Bulk(MemberKeys.MemberOf(RandomMembers.One(view, zset, random).Key, zset.Prefix.Length).ToArray());
        }
        if (zset is null || c.Number == 0)
        {
            return KvReply.Array([]);
        }
        var drawn = RandomMembers.Many(view, zset, c.Number, random)
            .Select(m => (MemberKeys.MemberOf(m.Key, zset.Prefix.Length).ToArray(), ZBounds.ReadScore(m.Value))).ToList();
        return ZStore.Reply(drawn, c.Has(KvFlags.WithScores));
    }
}
