using System.Text;

namespace Cairn.StateMachine;

public enum KvReplyKind : byte
{
    Ok,
    Simple,
    Error,
    Integer,
    Bulk,
    Null,
    Array,

    /// <summary>Field-value pairs, flattened in <see cref="KvReply.Items"/> (k1, v1, k2, v2...): a RESP3 map, a flat array in RESP2.</summary>
    Map,

    /// <summary>Unordered members: a RESP3 set, an array in RESP2.</summary>
    Set,

    /// <summary>A double (<see cref="KvReply.Double"/>): a RESP3 double, a bulk string in Redis's form in RESP2.</summary>
    Double,

    /// <summary>
    /// Pairs flattened in <see cref="KvReply.Items"/> (m1, s1, m2, s2...) that RESP3 sends as an array of two-element
    /// arrays and RESP2 as one flat array: HRANDFIELD ... WITHVALUES, ZRANGE ... WITHSCORES.
    /// </summary>
    Pairs,

    /// <summary>No array (LPOP with a count on a missing key, a blocking pop that timed out): RESP2 "*-1", RESP3 null.</summary>
    NullArray,
}

/// <summary>
/// A reply computed by the state machine, independent of wire protocol: the server renders
/// it as RESP2 or RESP3 (in one place, ReplyWriter), the HTTP API as JSON. Error text is Redis's, code first
/// ("ERR ...", <see cref="ErrorCode"/>).
/// </summary>
public readonly struct KvReply
{
    private KvReply(KvReplyKind kind, long integer = 0, ReadOnlyMemory<byte> bytes = default, string? text = null, KvReply[]? items = null)
    {
        Kind = kind;
        Integer = integer;
        Bytes = bytes;
        Text = text;
        Items = items;
    }

    public KvReplyKind Kind { get; }

    public long Integer { get; }

    public ReadOnlyMemory<byte> Bytes { get; }

    public string? Text { get; }

    public KvReply[]? Items { get; }

    public bool IsError => Kind == KvReplyKind.Error;

    /// <summary>An error's code: its first word ("ERR", "WRONGTYPE"...); null for other replies.</summary>
    public string? ErrorCode => IsError ? CodeOf(Text!) : null;

    /// <summary>The code of an error text: its first word.</summary>
    public static string CodeOf(string error) => error.IndexOf(' ') is var space and >= 0 ? error[..space] : error;

    /// <summary>A <see cref="KvReplyKind.Double"/>'s value (its bits are kept in <see cref="Integer"/>).</summary>
    public double Double => BitConverter.Int64BitsToDouble(Integer);

    public static KvReply Ok { get; } = new(KvReplyKind.Ok);

    public static KvReply Null { get; } = new(KvReplyKind.Null);

    public static KvReply EmptyBulk { get; } = new(KvReplyKind.Bulk, bytes: ReadOnlyMemory<byte>.Empty);

    public static KvReply Int(long value) => new(KvReplyKind.Integer, integer: value);

    public static KvReply Bulk(ReadOnlyMemory<byte> value) => new(KvReplyKind.Bulk, bytes: value);

    public static KvReply Bulk(string value) => new(KvReplyKind.Bulk, bytes: Encoding.UTF8.GetBytes(value));

    public static KvReply Simple(string value) => new(KvReplyKind.Simple, text: value);

    public static KvReply Error(string message) => new(KvReplyKind.Error, text: message);

    public static KvReply Array(KvReply[] items) => new(KvReplyKind.Array, items: items);

    public static KvReply NullArray { get; } = new(KvReplyKind.NullArray);

    /// <summary>A map from flattened pairs (k1, v1, k2, v2...).</summary>
    public static KvReply Map(KvReply[] pairs) =>
        pairs.Length % 2 == 0 ? new(KvReplyKind.Map, items: pairs) : throw new ArgumentException("a map needs pairs", nameof(pairs));

    /// <summary>Pairs from flattened items (m1, s1, m2, s2...): see <see cref="KvReplyKind.Pairs"/>.</summary>
    public static KvReply Pairs(KvReply[] items) =>
        items.Length % 2 == 0 ? new(KvReplyKind.Pairs, items: items) : throw new ArgumentException("pairs need an even count", nameof(items));

    public static KvReply Set(KvReply[] members) => new(KvReplyKind.Set, items: members);

    public static KvReply FromDouble(double value) => new(KvReplyKind.Double, integer: BitConverter.DoubleToInt64Bits(value));

    public override string ToString() => Kind switch
    {
        KvReplyKind.Ok => "OK",
        KvReplyKind.Simple or KvReplyKind.Error => Text!,
        KvReplyKind.Integer => Integer.ToString(),
        KvReplyKind.Bulk => Encoding.UTF8.GetString(Bytes.Span),
        KvReplyKind.Null or KvReplyKind.NullArray => "(nil)",
        KvReplyKind.Double => Double.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        KvReplyKind.Map => "{" + string.Join(", ", Items!.Chunk(2).Select(p => $"{p[0]}: {p[1]}")) + "}",
        KvReplyKind.Pairs => "[" + string.Join(", ", Items!.Chunk(2).Select(p => $"[{p[0]}, {p[1]}]")) + "]",
        _ => "[" + string.Join(", ", Items!.Select(i => i.ToString())) + "]",
    };
}
