using System.Globalization;
using System.Text;

namespace Cairn.Cli.Repl;

/// <summary>
/// Splits a REPL line into arguments as redis-cli does (sds.c sdssplitargs): spaces separate; "double quotes"
/// take \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' take \' only; a closing quote must be followed
/// by a space or the end. Returns null for an unbalanced line.
/// </summary>
public static class ArgSplitter
{
    public static List<byte[]>? Split(string line)
    {
        var args = new List<byte[]>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
            {
                i++;
            }
            if (i == line.Length)
            {
                return args;
            }
            var current = new List<byte>();
            var inDouble = false;
            var inSingle = false;
            var done = false;
            while (!done)
            {
                if (inDouble)
                {
                    if (i == line.Length)
                    {
                        return null;
                    }
                    if (line[i] == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && char.IsAsciiHexDigit(line[i + 2]) && char.IsAsciiHexDigit(line[i + 3]))
                    {
                        current.Add(byte.Parse(line.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 3;
                    }
                    else if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        switch (line[i])
                        {
                            case 'n': current.Add((byte)'\n'); break;
                            case 'r': current.Add((byte)'\r'); break;
                            case 't': current.Add((byte)'\t'); break;
                            case 'b': current.Add((byte)'\b'); break;
                            case 'a': current.Add((byte)'\a'); break;
                            default: Append(current, line, ref i); break;
                        }
                    }
                    else if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && !char.IsWhiteSpace(line[i + 1]))
                        {
                            return null;
                        }
                        done = true;
                    }
                    else
                    {
                        Append(current, line, ref i);
                    }
                }
                else if (inSingle)
                {
                    if (i == line.Length)
                    {
                        return null;
                    }
                    if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] == '\'')
                    {
                        i++;
                        current.Add((byte)'\'');
                    }
                    else if (line[i] == '\'')
                    {
                        if (i + 1 < line.Length && !char.IsWhiteSpace(line[i + 1]))
                        {
                            return null;
                        }
                        done = true;
                    }
                    else
                    {
                        Append(current, line, ref i);
                    }
                }
                else if (i == line.Length || char.IsWhiteSpace(line[i]))
                {
                    done = true;
                }
                else if (line[i] == '"')
                {
                    inDouble = true;
                }
                else if (line[i] == '\'')
                {
                    inSingle = true;
                }
                else
                {
                    Append(current, line, ref i);
                }
                if (i < line.Length)
                {
                    i++;
                }
            }
            args.Add([.. current]);
        }
    }

    /// <summary>The character at <paramref name="i"/> as UTF-8 (a surrogate pair as one rune, leaving i on its second half).</summary>
    private static void Append(List<byte> bytes, string line, ref int i)
    {
        Rune rune;
        if (char.IsHighSurrogate(line[i]) && i + 1 < line.Length && Rune.TryCreate(line[i], line[i + 1], out rune))
        {
            i++;
        }
        else if (!Rune.TryCreate(line[i], out rune))
        {
            rune = Rune.ReplacementChar;
        }
        Span<byte> utf8 = stackalloc byte[4];
        var count = rune.EncodeToUtf8(utf8);
        for (var j = 0; j < count; j++)
        {
            bytes.Add(utf8[j]);
        }
    }
}
