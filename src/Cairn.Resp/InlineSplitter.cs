namespace Cairn.Resp;

/// <summary>
/// Splits an inline request line into arguments the way Redis's sdssplitargs does: whitespace
/// separates; "double quotes" take \n \r \t \b \a \xHH and \&lt;any&gt; escapes; 'single quotes' take \';
/// a closing quote must be followed by whitespace or the end of the line.
/// </summary>
internal static class InlineSplitter
{
    public static void Split(Memory<byte> line, RespRequest request)
    {
        var span = line.Span;
        var p = 0;
        while (true)
        {
            while (p < span.Length && IsSpace(span[p]))
            {
                p++;
            }
            if (p >= span.Length || span[p] == 0)
            {
                return;
            }
            // Unquoting only ever shrinks an argument, so it is written in place over the line.
            var start = p;
            var w = p;
            bool inDouble = false, inSingle = false, done = false;
            while (!done)
            {
                var c = p < span.Length ? span[p] : (byte)0;
                if (inDouble)
                {
                    if (c == '\\' && At(span, p + 1) == 'x' && IsHex(At(span, p + 2)) && IsHex(At(span, p + 3)))
                    {
                        span[w++] = (byte)(HexValue(span[p + 2]) * 16 + HexValue(span[p + 3]));
                        p += 3;
                    }
                    else if (c == '\\' && At(span, p + 1) != 0)
                    {
                        p++;
                        span[w++] = span[p] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            var other => other,
                        };
                    }
                    else if (c == '"')
                    {
                        if (At(span, p + 1) != 0 && !IsSpace(span[p + 1]))
                        {
                            Unbalanced();
                        }
                        done = true;
                    }
                    else if (c == 0)
                    {
                        Unbalanced();
                    }
                    else
                    {
                        span[w++] = c;
                    }
                }
                else if (inSingle)
                {
                    if (c == '\\' && At(span, p + 1) == '\'')
                    {
                        p++;
                        span[w++] = (byte)'\'';
                    }
                    else if (c == '\'')
                    {
                        if (At(span, p + 1) != 0 && !IsSpace(span[p + 1]))
                        {
                            Unbalanced();
                        }
                        done = true;
                    }
                    else if (c == 0)
                    {
                        Unbalanced();
                    }
                    else
                    {
                        span[w++] = c;
                    }
                }
                else
                {
                    switch (c)
                    {
                        case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0:
                            done = true;
                            break;
                        case (byte)'"':
                            inDouble = true;
                            break;
                        case (byte)'\'':
                            inSingle = true;
                            break;
                        default:
                            span[w++] = c;
                            break;
                    }
                }
                if (p < span.Length && span[p] != 0)
                {
                    p++;
                }
            }
            request.Add(line[start..w]);
        }
    }

    private static void Unbalanced() => RespProtocolException.Throw("Protocol error: unbalanced quotes in request");

    private static byte At(Span<byte> span, int i) => i < span.Length ? span[i] : (byte)0;

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
