using System.Buffers.Binary;

namespace Cairn.StateMachine.SortedSets;

/// <summary>A score bound: the value and whether it is excluded ("(1.5").</summary>
internal readonly record struct ScoreBound(double Value, bool Exclusive)
{
    public bool AboveMin(double score) => Exclusive ? score > Value : score >= Value;

    public bool BelowMax(double score) => Exclusive ? score < Value : score <= Value;
}

/// <summary>A lex bound: '-' (below all), '+' (above all), inclusive or exclusive of a member.</summary>
internal readonly record struct LexBound(byte Kind, byte[] Member)
{
    public bool AboveMin(ReadOnlySpan<byte> member) => Kind switch
    {
        (byte)'-' => true,
        (byte)'+' => false,
        (byte)'[' => member.SequenceCompareTo(Member) >= 0,
        _ => member.SequenceCompareTo(Member) > 0,
    };

    public bool BelowMax(ReadOnlySpan<byte> member) => Kind switch
    {
        (byte)'-' => false,
        (byte)'+' => true,
        (byte)'[' => member.SequenceCompareTo(Member) <= 0,
        _ => member.SequenceCompareTo(Member) < 0,
    };
}

/// <summary>
/// Scores and bounds as Redis 7.0 reads them (t_zset.c zslParseRange, zslParseLexRange; object.c getDoubleFromObject)
/// and as they travel in a command's operands (see <see cref="ZSetOp"/>).
/// </summary>
internal static class ZBounds
{
    /// <summary>A score as ZADD reads it: a float, "inf" allowed, NaN and an overflowing literal ("1e400") not.</summary>
    public static bool TryParseScore(ReadOnlySpan<byte> text, out double score) =>
        RedisNumbers.TryParseDouble(text, out score) && (double.IsFinite(score) || IsInfinityWord(text));

    private static bool IsInfinityWord(ReadOnlySpan<byte> text)
    {
        var word = text.TrimStart("+-"u8);
        return System.Text.Ascii.EqualsIgnoreCase(word, "inf"u8) || System.Text.Ascii.EqualsIgnoreCase(word, "infinity"u8);
    }

    /// <summary>
    /// A score bound as zslParseRange reads it: "(" for exclusive, then strtod's text (leading spaces allowed, an
    /// overflowing literal is infinite, NaN refused, nothing at all is 0).
    /// </summary>
    public static bool TryParseScoreBound(ReadOnlySpan<byte> text, out ScoreBound bound)
    {
        bound = default;
        var exclusive = text.Length > 0 && text[0] == (byte)'(';
        var number = exclusive ? text[1..] : text;
        if (number.IsEmpty)
        {
            // strtod converts nothing and leaves the end at the (empty) start: zero.
            bound = new ScoreBound(0, exclusive);
            return true;
        }
        while (number.Length > 0 && number[0] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f')
        {
            number = number[1..];
        }
        if (!RedisNumbers.TryParseDouble(number, out var value) || double.IsNaN(value))
        {
            return false;
        }
        bound = new ScoreBound(value, exclusive);
        return true;
    }

    public static bool TryParseLexBound(ReadOnlySpan<byte> text, out LexBound bound)
    {
        bound = default;
        if (text.Length == 0)
        {
            return false;
        }
        if (text[0] is (byte)'-' or (byte)'+')
        {
            bound = new LexBound(text[0], []);
            return text.Length == 1;
        }
        if (text[0] is not ((byte)'[' or (byte)'('))
        {
            return false;
        }
        bound = new LexBound(text[0], text[1..].ToArray());
        return true;
    }

    public static byte[] Score(double score)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(bytes, score);
        return bytes;
    }

    public static double ReadScore(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadDoubleLittleEndian(bytes);

    public static byte[] Encode(ScoreBound bound)
    {
        var bytes = new byte[9];
        bytes[0] = bound.Exclusive ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(1), bound.Value);
        return bytes;
    }

    public static ScoreBound DecodeScoreBound(byte[] bytes) => new(BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(1)), bytes[0] == 1);

    public static byte[] Encode(LexBound bound) => [bound.Kind, .. bound.Member];

    public static LexBound DecodeLexBound(byte[] bytes) => new(bytes[0], bytes[1..]);

    public static byte[] Rank(long rank)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, rank);
        return bytes;
    }

    public static long ReadRank(byte[] bytes) => BinaryPrimitives.ReadInt64LittleEndian(bytes);

    /// <summary>Whether operands are well-formed bounds of the given kind (a command from anywhere is checked).</summary>
    public static bool AreScoreBounds(byte[] min, byte[] max) => min.Length == 9 && max.Length == 9 && min[0] <= 1 && max[0] <= 1
        && !double.IsNaN(DecodeScoreBound(min).Value) && !double.IsNaN(DecodeScoreBound(max).Value);

    public static bool IsLexBound(byte[] b) => b.Length >= 1 && (b[0] is (byte)'[' or (byte)'(' || (b[0] is (byte)'-' or (byte)'+' && b.Length == 1));
}
