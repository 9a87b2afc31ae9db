using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Cairn.StateMachine;

/// <summary>
/// Number rules of Redis's string values: integers as util.c string2ll (no '+', no leading zeros,
/// no spaces), floats as string2ld, float output as INCRBYFLOAT prints it (plain decimal, no exponent,
/// at most 17 decimals, trailing zeros trimmed).
/// </summary>
public static class RedisNumbers
{
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 20)
        {
            return false;
        }
        if (text.Length == 1 && text[0] == (byte)'0')
        {
            return true;
        }
        var negative = text[0] == (byte)'-';
        var start = negative ? 1 : 0;
        if (start == text.Length || text[start] < (byte)'1' || text[start] > (byte)'9')
        {
            return false;
        }
        // Utf8Parser accepts exactly the digits that remain; it reports overflow as failure.
        if (!Utf8Parser.TryParse(text, out value, out var consumed) || consumed != text.Length)
        {
            return false;
        }
        return true;
    }

    public static byte[] FormatInt64(long value)
    {
        Span<byte> buffer = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, buffer, out var written);
        return buffer[..written].ToArray();
    }

    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 5000 || IsSpace(text[0]) || IsSpace(text[^1]))
        {
            return false;
        }
        var s = Encoding.ASCII.GetString(text);
        switch (s.ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
        }
        const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        return double.TryParse(s, style, CultureInfo.InvariantCulture, out value) && !double.IsNaN(value);
    }

    public static string FormatDouble(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E'))
        {
            text = value.ToString("F17", CultureInfo.InvariantCulture);
            if (text.Contains('.'))
            {
                text = text.TrimEnd('0').TrimEnd('.');
            }
        }
        return text == "-0" ? "0" : text;
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';
}
