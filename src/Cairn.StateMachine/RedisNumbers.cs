using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Cairn.StateMachine;

/// <summary>
/// Number rules of Redis's string values: integers as util.c string2ll (no '+', no leading zeros,
/// no spaces), floats as string2ld (decimal or hexadecimal, as strtold reads them), float output as INCRBYFLOAT prints it (plain decimal, no exponent,
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
        // A NUL byte anywhere: strtold stops there, and Redis refuses what it did not read (.NET would skip it).
        if (text.Length == 0 || text.Length > 5000 || IsSpace(text[0]) || IsSpace(text[^1]) || text.Contains((byte)0))
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
        return (double.TryParse(s, style, CultureInfo.InvariantCulture, out value) || TryParseHex(s, out value)) && !double.IsNaN(value);
    }

    /// <summary>
    /// strtold's hexadecimal form, which string2ld accepts too: [sign] 0x hex-digits [. hex-digits]
    /// [p [sign] decimal-digits], the exponent a power of two ("0x10" is 16, "0x1.8p1" is 3).
    /// </summary>
    private static bool TryParseHex(string s, out double value)
    {
        value = 0;
        var i = s[0] is '+' or '-' ? 1 : 0;
        if (i + 1 >= s.Length || s[i] != '0' || (s[i + 1] | 0x20) != 'x')
        {
            return false;
        }
        i += 2;
        double mantissa = 0;
        var exponent = 0;
        var digits = 0;
        var seenPoint = false;
        for (; i < s.Length; i++)
        {
            if (s[i] == '.' && !seenPoint)
            {
                seenPoint = true;
                continue;
            }
            var digit = HexDigit(s[i]);
            if (digit < 0)
            {
                break;
            }
            mantissa = mantissa * 16 + digit;
            exponent -= seenPoint ? 4 : 0;
            digits++;
        }
        if (digits == 0)
        {
            return false;
        }
        if (i < s.Length)
        {
            if ((s[i] | 0x20) != 'p' || ++i == s.Length)
            {
                return false;
            }
            var negativeExponent = s[i] == '-';
            i += s[i] is '+' or '-' ? 1 : 0;
            if (i == s.Length)
            {
                return false;
            }
            var power = 0;
            for (; i < s.Length; i++)
            {
                if (s[i] is < '0' or > '9')
                {
                    return false;
                }
                power = Math.Min(power * 10 + (s[i] - '0'), 100_000);
            }
            exponent += negativeExponent ? -power : power;
        }
        value = Math.ScaleB(mantissa, exponent) * (s[0] == '-' ? -1 : 1);
        return true;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>A sorted set's score as Redis 7.0 prints it (d2string, "%.17g"; "inf", "-inf"), as in ZSCAN's replies.</summary>
    public static string FormatScore(double value) =>
        double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf"
        : value.ToString("G17", CultureInfo.InvariantCulture).Replace('E', 'e');

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

    /// <summary>
    /// A cursor as Redis reads it (strtoul, base 10): no leading space, an optional sign ('-' wraps, so "-1" is
    /// 2^64 - 1), digits up to 2^64 - 1; the empty string is 0. Ours are hashes below 2^63.
    /// </summary>
    public static bool TryParseCursor(ReadOnlySpan<byte> text, out ulong cursor)
    {
        cursor = 0;
        if (text.IsEmpty)
        {
            return true;
        }
        var negative = text[0] == (byte)'-';
        var digits = text[0] is (byte)'-' or (byte)'+' ? text[1..] : text;
        if (digits.IsEmpty || !Utf8Parser.TryParse(digits, out ulong value, out var consumed) || consumed != digits.Length || digits[0] is < (byte)'0' or > (byte)'9')
        {
            return false;
        }
        cursor = negative ? unchecked(0UL - value) : value;
        return true;
    }
}
