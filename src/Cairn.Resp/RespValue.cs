using System.Text;

namespace Cairn.Resp;

public enum RespKind : byte
{
    Simple,
    Error,
    Integer,
    Bulk,
    Null,
    Array,
}

/// <summary>A reply as a client reads it (RESP2; RESP3 maps, sets, doubles and booleans are read as their RESP2 forms).</summary>
public sealed record RespValue(RespKind Kind, string? Text = null, long Integer = 0, byte[]? Bytes = null, IReadOnlyList<RespValue>? Items = null)
{
    public static RespValue Nil { get; } = new(RespKind.Null);

    public bool IsError => Kind == RespKind.Error;

    /// <summary>Simple strings, errors and bulk strings as text (bulk as UTF-8), integers in decimal.</summary>
    public string AsText() => Kind switch
    {
        RespKind.Simple or RespKind.Error => Text!,
        RespKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespKind.Bulk => Encoding.UTF8.GetString(Bytes!),
        _ => "",
    };

    /// <summary>As redis-cli prints a reply: "text", (integer) 1, (nil), (error) ..., numbered array items.</summary>
    public string ToRedisCliText(string indent = "")
    {
        switch (Kind)
        {
            case RespKind.Simple:
                return Text!;
            case RespKind.Error:
                return "(error) " + Text;
            case RespKind.Integer:
                return "(integer) " + Integer.ToString(System.Globalization.CultureInfo.InvariantCulture);
            case RespKind.Null:
                return "(nil)";
            case RespKind.Bulk:
                return Quote(Bytes!);
            default:
                if (Items!.Count == 0)
                {
                    return "(empty array)";
                }
                var builder = new StringBuilder();
                var width = Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
                for (var i = 0; i < Items.Count; i++)
                {
                    var label = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width) + ") ";
                    if (i > 0)
                    {
                        builder.Append('\n').Append(indent);
                    }
                    builder.Append(label).Append(Items[i].ToRedisCliText(indent + new string(' ', label.Length)));
                }
                return builder.ToString();
        }
    }

    /// <summary>redis-cli's sdscatrepr: printable ASCII as is, escapes for the rest, in double quotes.</summary>
    public static string Quote(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length + 2).Append('"');
        foreach (var b in bytes)
        {
            switch (b)
            {
                case (byte)'\\': builder.Append("\\\\"); break;
                case (byte)'"': builder.Append("\\\""); break;
                case (byte)'\n': builder.Append("\\n"); break;
                case (byte)'\r': builder.Append("\\r"); break;
                case (byte)'\t': builder.Append("\\t"); break;
                case 7: builder.Append("\\a"); break;
                case 8: builder.Append("\\b"); break;
                default:
                    if (b is >= 0x20 and < 0x7F)
                    {
                        builder.Append((char)b);
                    }
                    else
                    {
                        builder.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }
}
