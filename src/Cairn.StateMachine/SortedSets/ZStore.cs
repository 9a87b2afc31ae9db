using Cairn.StateMachine.Collections;
using Cairn.Storage;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.SortedSets;

/// <summary>
/// A sorted set's two indexes (see <see cref="ZSetOp"/>): a member's score by its hash, members in (score, member)
/// order. Every change writes both; iteration reads the score index either way.
/// </summary>
internal static class ZStore
{
    public static double? ScoreOf(IReadView view, Collection zset, byte[] member) =>
        view.Get(KvSpace.Members, MemberKeys.Hashed(zset.Prefix, member)) is { Length: 8 } value ? ZBounds.ReadScore(value) : null;

    /// <summary>Sets a member's score (<paramref name="old"/>: its current one, null when new); -0 is stored as 0, as Redis's small encoding does.</summary>
    public static void Put(Context ctx, Collection zset, byte[] member, double score, double? old)
    {
        score = score == 0 ? 0 : score;
        if (old is { } previous)
        {
            ctx.Delete(KvSpace.Scores, MemberKeys.Score(zset.Prefix, previous, member));
        }
        else
        {
            zset.Size++;
        }
        zset.Note(member);
        zset.ScoreFloor = Math.Min(zset.ScoreFloor, score);
        zset.ScoreCeiling = Math.Max(zset.ScoreCeiling, score);
        ctx.Put(KvSpace.Members, MemberKeys.Hashed(zset.Prefix, member), ZBounds.Score(score));
        ctx.Put(KvSpace.Scores, MemberKeys.Score(zset.Prefix, score, member), []);
    }

    public static void Remove(Context ctx, Collection zset, byte[] member, double score)
    {
        ctx.Delete(KvSpace.Members, MemberKeys.Hashed(zset.Prefix, member));
        ctx.Delete(KvSpace.Scores, MemberKeys.Score(zset.Prefix, score, member));
        zset.Size--;
    }

    /// <summary>Removes members popped from one end (in the order they left) and moves that end's score bound past them.</summary>
    public static void RemoveEnd(Context ctx, Collection zset, List<(byte[] Member, double Score)> popped, bool fromTop)
    {
        foreach (var (member, score) in popped)
        {
            Remove(ctx, zset, member, score);
        }
        if (popped.Count > 0)
        {
            if (fromTop)
            {
                zset.ScoreCeiling = popped[^1].Score;
            }
            else
            {
                zset.ScoreFloor = popped[^1].Score;
            }
        }
    }

    /// <summary>Members from the lowest score up, starting at <paramref name="from"/> (or the first).</summary>
    public static IEnumerable<(byte[] Member, double Score)> Ascending(IReadView view, Collection zset, double? from = null)
    {
        var start = Math.Max(from ?? double.NegativeInfinity, zset.ScoreFloor);
        using var iterator = start > double.NegativeInfinity
            ? view.IterateFrom(KvSpace.Scores, zset.Prefix, MemberKeys.Score(zset.Prefix, start, []))
            : view.Iterate(KvSpace.Scores, zset.Prefix);
        for (; iterator.Valid; iterator.Next())
        {
            yield return Entry(iterator.Key, zset.Prefix.Length);
        }
    }

    /// <summary>Members from the highest score down, starting at <paramref name="from"/> (every member of that score included), or the last.</summary>
    public static IEnumerable<(byte[] Member, double Score)> Descending(IReadView view, Collection zset, double? from = null)
    {
        using var iterator = view.Cursor(KvSpace.Scores, zset.Prefix);
        var top = Math.Min(from ?? double.PositiveInfinity, zset.ScoreCeiling);
        if (top < double.PositiveInfinity)
        {
            iterator.SeekForPrev(KeyCodec.PrefixEnd(MemberKeys.Score(zset.Prefix, top, [])));
        }
        else
        {
            iterator.SeekToLast();
        }
        for (; iterator.Valid; iterator.Prev())
        {
            yield return Entry(iterator.Key, zset.Prefix.Length);
        }
    }

    private static (byte[], double) Entry(ReadOnlySpan<byte> key, int prefixLength) =>
        (key[(prefixLength + 8)..].ToArray(), MemberKeys.ReadSortable(key[prefixLength..]));

    /// <summary>A member's rank from the lowest score (O(rank): the score index is walked up to it).</summary>
    public static long RankOf(IReadView view, Collection zset, byte[] member, double score)
    {
        var target = MemberKeys.Score(zset.Prefix, score, member);
        long rank = 0;
        using var iterator = zset.ScoreFloor > double.NegativeInfinity
            ? view.IterateFrom(KvSpace.Scores, zset.Prefix, MemberKeys.Score(zset.Prefix, zset.ScoreFloor, []))
            : view.Iterate(KvSpace.Scores, zset.Prefix);
        for (; iterator.Valid && iterator.Key.SequenceCompareTo(target) < 0; iterator.Next())
        {
            rank++;
        }
        return rank;
    }

    /// <summary>
    /// The members a ZRANGE-like command selects (operands of <see cref="ZSetOp.ZRange"/>, bounds at
    /// <paramref name="min"/> and <paramref name="max"/>), in reply order.
    /// </summary>
    public static List<(byte[] Member, double Score)> Select(IReadView view, Collection zset, KvCommand c, byte[] min, byte[] max)
    {
        var found = new List<(byte[], double)>();
        var rev = c.Has(KvFlags.Rev);
        if (!c.Has(KvFlags.ByScore) && !c.Has(KvFlags.ByLex))
        {
            var (start, count) = IndexRange.Window(ZBounds.ReadRank(min), ZBounds.ReadRank(max), zset.Size);
            if (count > 0)
            {
                found.AddRange((rev ? Descending(view, zset) : Ascending(view, zset)).Skip((int)Math.Min(start, int.MaxValue)).Take((int)Math.Min(count, int.MaxValue)));
            }
            return found;
        }
        long offset = c.Has(KvFlags.Limit) ? c.Number : 0, limit = c.Has(KvFlags.Limit) ? c.Number2 : -1;
        if (offset < 0)
        {
            return found;
        }
        IEnumerable<(byte[] Member, double Score)> walk;
        Func<(byte[] Member, double Score), bool> before, after;
        if (c.Has(KvFlags.ByScore))
        {
            var (low, high) = (ZBounds.DecodeScoreBound(min), ZBounds.DecodeScoreBound(max));
            walk = rev ? Descending(view, zset, high.Value) : Ascending(view, zset, low.Value);
            before = rev ? e => !high.BelowMax(e.Score) : e => !low.AboveMin(e.Score);
            after = rev ? e => !low.AboveMin(e.Score) : e => !high.BelowMax(e.Score);
        }
        else
        {
            var (low, high) = (ZBounds.DecodeLexBound(min), ZBounds.DecodeLexBound(max));
            walk = rev ? Descending(view, zset) : Ascending(view, zset);
            before = rev ? e => !high.BelowMax(e.Member) : e => !low.AboveMin(e.Member);
            after = rev ? e => !low.AboveMin(e.Member) : e => !high.BelowMax(e.Member);
        }
        foreach (var entry in walk)
        {
            if (limit >= 0 && found.Count >= limit)
            {
                break;
            }
            if (before(entry))
            {
                continue;
            }
            if (after(entry))
            {
                break;
            }
            if (offset > 0)
            {
                offset--;
                continue;
            }
            found.Add(entry);
        }
        return found;
    }

    public static KvReply Reply(List<(byte[] Member, double Score)> entries, bool withScores)
    {
        if (!withScores)
        {
            return KvReply.Array([.. entries.Select(e => KvReply.Bulk(e.Member))]);
        }
        var items = new KvReply[entries.Count * 2];
        for (var i = 0; i < entries.Count; i++)
        {
            items[2 * i] = KvReply.Bulk(entries[i].Member);
            items[2 * i + 1] = KvReply.FromDouble(entries[i].Score);
        }
        return KvReply.Pairs(items);
    }
}
