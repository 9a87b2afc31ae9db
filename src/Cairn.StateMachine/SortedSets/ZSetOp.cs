namespace Cairn.StateMachine;

/// <summary>
/// The sorted-set family's ops (<see cref="KvFamily.SortedSets"/>; <see cref="KvOps.Of(ZSetOp)"/>). Writes below 64,
/// queries from 64. A member lives twice: in the members space under its hash with its score as value (8 bytes, a
/// double's bits), and in the scores space under (sortable score, member) (<see cref="Collections.MemberKeys"/>).
/// Operand forms (<see cref="SortedSets.ZBounds"/>): a score is 8 bytes (a double, little-endian); a score bound 9
/// (exclusive 0/1, then the double); a lex bound a kind byte ('-', '+', '[', '(') then the member; a rank 8 (i64).
/// </summary>
public enum ZSetOp : byte
{
    /// <summary>[key, s1, m1, s2, m2...]; flags Nx, Xx, Gt, Lt, Ch, Incr (one pair) → added (or changed) count, or the new score.</summary>
    ZAdd = 1,

    /// <summary>[key, m1, m2...] → the number removed.</summary>
    ZRem,

    /// <summary>[key], Number = start, Number2 = stop (ranks) → the number removed.</summary>
    ZRemRangeByRank,

    /// <summary>[key, min, max] (score bounds) → the number removed.</summary>
    ZRemRangeByScore,

    /// <summary>[key, min, max] (lex bounds) → the number removed.</summary>
    ZRemRangeByLex,

    /// <summary>[key]; flag Count: Number = count (≥ 0); flag Rev: the highest (ZPOPMAX).</summary>
    ZPop,

    /// <summary>[k1, k2...], Number = count (≥ 1); flag Rev: MAX → [key, [[member, score]...]] of the first non-empty key, or no array.</summary>
    ZMPop,

    /// <summary>[destination, source, min, max]; as <see cref="ZRange"/> without WithScores → the number stored.</summary>
    ZRangeStore,

    /// <summary>[destination, refusal, k1..kn, w1..wn (scores)], Number = n; flags AggregateMin/Max → the number stored.</summary>
    ZUnionStore,

    /// <summary>As <see cref="ZUnionStore"/>.</summary>
    ZInterStore,

    /// <summary>[destination, refusal, k1..kn], Number = n → the number stored.</summary>
    ZDiffStore,

    /// <summary>[key] → the number of members.</summary>
    ZCard = 64,

    /// <summary>[key, min, max] (score bounds) → how many.</summary>
    ZCount,

    /// <summary>[key, min, max] (lex bounds) → how many.</summary>
    ZLexCount,

    /// <summary>[key, member] → its score or null.</summary>
    ZScore,

    /// <summary>[key, m1, m2...] → scores or nulls.</summary>
    ZMScore,

    /// <summary>[key, member]; flag Rev: from the highest → its rank or null.</summary>
    ZRank,

    /// <summary>[key, min, max] (ranks, or with ByScore score bounds, with ByLex lex bounds); flags Rev, WithScores, Limit (Number offset, Number2 count).</summary>
    ZRange,

    /// <summary>[key]; flag Count: Number = count (negative: repeats allowed); flag WithScores.</summary>
    ZRandMember,

    /// <summary>[refusal, k1..kn, w1..wn], Number = n; flags WithScores, AggregateMin/Max.</summary>
    ZUnion,

    /// <summary>As <see cref="ZUnion"/>.</summary>
    ZInter,

    /// <summary>[refusal, k1..kn], Number = n; flag WithScores.</summary>
    ZDiff,

    /// <summary>[refusal, k1..kn], Number = n, Number2 = limit (0: none) → the intersection's size.</summary>
    ZInterCard,

    /// <summary>See <see cref="Collections.ScanSyntax"/>.</summary>
    ZScan,
}
