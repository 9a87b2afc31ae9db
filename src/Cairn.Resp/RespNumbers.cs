namespace Cairn.Resp;

/// <summary>Number parsing with Redis's rules (util.c string2ll): no sign but '-', no leading zeros, no spaces.</summary>
public static class RespNumbers
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
        var i = negative ? 1 : 0;
        if (i == text.Length || text[i] < (byte)'1' || text[i] > (byte)'9')
        {
            return false;
        }
        ulong magnitude = 0;
        for (; i < text.Length; i++)
        {
            var digit = text[i] - (byte)'0';
            if ((uint)digit > 9)
            {
                return false;
            }
            if (magnitude > (ulong.MaxValue - (ulong)digit) / 10)
            {
                return false;
            }
            magnitude = magnitude * 10 + (ulong)digit;
        }
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                return false;
            }
            value = unchecked(-(long)magnitude);
            return true;
        }
        if (magnitude > long.MaxValue)
        {
            return false;
        }
        value = (long)magnitude;
        return true;
    }
}
