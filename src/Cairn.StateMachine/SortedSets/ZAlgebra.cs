using Cairn.StateMachine.Collections;
using Cairn.Storage;

namespace Cairn.StateMachine.SortedSets;

/// <summary>
/// ZUNION, ZINTER, ZDIFF (and their STORE forms, ZINTERCARD) as t_zset.c zunionInterDiffGenericCommand computes them:
/// sets count as sorted sets of score 1, weights multiply (NaN becomes 0), AGGREGATE SUM (NaN becomes 0), MIN or
/// MAX. The result is in (score, member) order.
/// </summary>
internal static class ZAlgebra
{
    private sealed record Source(Collection Collection, double Weight)
    {
        public bool IsSet => Collection.Type == ValueType.Set;
    }

    /// <summary>The sources' collections, each a sorted set or a set (absent keys are empty); WRONGTYPE for any other.</summary>
    private static Source?[]? Open(IReadView view, ReadOnlySpan<byte[]> keys, ReadOnlySpan<byte[]> weights, out KvReply? error)
    {
        error = null;
        var sources = new Source?[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            if (view.Live(keys[i]) is not { } record)
            {
                continue;
            }
            if (ValueRecord.Type(record) is not (ValueType.ZSet or ValueType.Set))
            {
                error = KvReply.Error(KvErrors.WrongType);
                return null;
            }
            sources[i] = new Source(Collection.FromRecord(keys[i], record), weights.Length > 0 ? ZBounds.ReadScore(weights[i]) : 1);
        }
        return sources;
    }

    private static IEnumerable<(byte[] Member, double Score)> Members(IReadView view, Source source)
    {
        if (!source.IsSet)
        {
            return ZStore.Ascending(view, source.Collection);
        }
        return Sets.SetReads.All(view, source.Collection).Select(m => (m, 1.0));
    }

    private static double? ScoreIn(IReadView view, Source source, byte[] member) =>
        source.IsSet ? (Sets.SetReads.Contains(view, source.Collection, member) ? 1 : null) : ZStore.ScoreOf(view, source.Collection, member);

    private static double Weighted(double score, double weight)
    {
        var value = score * weight;
        return double.IsNaN(value) ? 0 : value;
    }

    private static double Aggregate(double into, double value, KvFlags flags)
    {
        if ((flags & KvFlags.AggregateMin) != 0)
        {
            return Math.Min(into, value);
        }
        if ((flags & KvFlags.AggregateMax) != 0)
        {
            return Math.Max(into, value);
        }
        var sum = into + value;
        return double.IsNaN(sum) ? 0 : sum;
    }

    /// <summary>The result of <paramref name="op"/> (ZUnion, ZInter or ZDiff) over keys with their weights, or an error.</summary>
    public static List<(byte[] Member, double Score)> Compute(IReadView view, ZSetOp op, ReadOnlySpan<byte[]> keys, ReadOnlySpan<byte[]> weights, KvFlags flags, long limit, out KvReply? error)
    {
        var sources = Open(view, keys, weights, out error);
        if (sources is null)
        {
            return [];
        }
        var result = new List<(byte[] Member, double Score)>();
        switch (op)
        {
            case ZSetOp.ZUnion:
                var scores = new Dictionary<byte[], double>(ByteArrayComparer.Instance);
                foreach (var source in sources)
                {
                    if (source is null)
                    {
                        continue;
                    }
                    foreach (var (member, score) in Members(view, source))
                    {
                        var value = Weighted(score, source.Weight);
                        scores[member] = scores.TryGetValue(member, out var current) ? Aggregate(current, value, flags) : value;
                    }
                }
                result.AddRange(scores.Select(p => (p.Key, p.Value)));
                break;
            case ZSetOp.ZInter:
                if (sources.Any(s => s is null))
                {
                    return [];
                }
                var bySize = sources.Select(s => s!).OrderBy(s => s.Collection.Size).ToArray();
                foreach (var (member, score) in Members(view, bySize[0]))
                {
                    var value = Weighted(score, bySize[0].Weight);
                    var everywhere = true;
                    foreach (var other in bySize.Skip(1))
                    {
                        if (ScoreIn(view, other, member) is not { } found)
                        {
                            everywhere = false;
                            break;
                        }
                        value = Aggregate(value, Weighted(found, other.Weight), flags);
                    }
                    if (everywhere)
                    {
                        result.Add((member, value));
                        if (limit > 0 && result.Count >= limit)
                        {
                            break;
                        }
                    }
                }
                break;
            default:
                if (sources[0] is not { } first)
                {
                    return [];
                }
                var others = sources.Skip(1).Where(s => s is not null).ToArray();
                result.AddRange(Members(view, first).Where(e => !others.Any(o => ScoreIn(view, o!, e.Member) is not null)));
                break;
        }
        result.Sort((a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Member.AsSpan().SequenceCompareTo(b.Member));
        return result;
    }

    /// <summary>The operands of a ZUNION-like command from <paramref name="skip"/>: refusal, n keys, n weights (none for ZDIFF).</summary>
    public static (KvReply? Refusal, byte[][] Keys, byte[][] Weights) Operands(KvCommand c, int skip)
    {
        var n = (int)c.Number;
        var refusal = c.Args[skip].Length == 0 ? (KvReply?)null : KvReply.Error(System.Text.Encoding.ASCII.GetString(c.Args[skip]));
        var keys = c.Args[(skip + 1)..(skip + 1 + n)];
        var weights = c.Args.Length > skip + 1 + n ? c.Args[(skip + 1 + n)..] : [];
        return (refusal, keys, weights);
    }
}
