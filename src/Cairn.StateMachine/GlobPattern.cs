namespace Cairn.StateMachine;

/// <summary>
/// Redis's glob matching (util.c stringmatchlen): * ? [abc] [^abc] [a-z] and \x escapes,
/// case-sensitive, over raw bytes.
/// </summary>
public static class GlobPattern
{
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        var skipLongerMatches = false;
        return Match(pattern, text, 0, ref skipLongerMatches);
    }

    /// <summary>
    /// <paramref name="skipLongerMatches"/> is Redis's fix for CVE-2022-36021: once the rest of a pattern
    /// after a '*' matched nowhere in the rest of the text, no earlier '*' can help by matching more, so
    /// the search stops instead of going exponential. Recursion depth (one level per '*') is also bounded,
    /// so a pattern of many stars cannot exhaust the stack.
    /// </summary>
    private static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, int depth, ref bool skipLongerMatches)
    {
        if (depth > 1000)
        {
            return false;
        }
        while (pattern.Length > 0 && text.Length > 0)
        {
            switch (pattern[0])
            {
                case (byte)'*':
                    while (pattern.Length > 1 && pattern[1] == (byte)'*')
                    {
                        pattern = pattern[1..];
                    }
                    if (pattern.Length == 1)
                    {
                        return true;
                    }
                    for (var i = 0; i < text.Length; i++)
                    {
                        if (Match(pattern[1..], text[i..], depth + 1, ref skipLongerMatches))
                        {
                            return true;
                        }
                        if (skipLongerMatches)
                        {
                            return false;
                        }
                    }
                    skipLongerMatches = true;
                    return false;
                case (byte)'?':
                    text = text[1..];
                    break;
                case (byte)'[':
                    {
                        pattern = pattern[1..];
                        var not = pattern.Length > 0 && pattern[0] == (byte)'^';
                        if (not)
                        {
                            pattern = pattern[1..];
                        }
                        var match = false;
                        while (true)
                        {
                            if (pattern.Length == 0)
                            {
                                break;
                            }
                            if (pattern[0] == (byte)'\\' && pattern.Length >= 2)
                            {
                                pattern = pattern[1..];
                                if (pattern[0] == text[0])
                                {
                                    match = true;
                                }
                            }
                            else if (pattern[0] == (byte)']')
                            {
                                break;
                            }
                            else if (pattern.Length >= 3 && pattern[1] == (byte)'-')
                            {
                                int start = pattern[0], end = pattern[2], c = text[0];
                                if (start > end)
                                {
                                    (start, end) = (end, start);
                                }
                                pattern = pattern[2..];
                                if (c >= start && c <= end)
                                {
                                    match = true;
                                }
                            }
                            else if (pattern[0] == text[0])
                            {
                                match = true;
                            }
                            pattern = pattern[1..];
                        }
                        if (not)
                        {
                            match = !match;
                        }
                        if (!match)
                        {
                            return false;
                        }
                        text = text[1..];
                        // An unterminated class consumed the rest of the pattern.
                        if (pattern.Length == 0)
                        {
                            return text.Length == 0;
                        }
                        break;
                    }
                case (byte)'\\' when pattern.Length >= 2:
                    pattern = pattern[1..];
                    if (pattern[0] != text[0])
                    {
                        return false;
                    }
                    text = text[1..];
                    break;
                default:
                    if (pattern[0] != text[0])
                    {
                        return false;
                    }
                    text = text[1..];
                    break;
            }
            pattern = pattern[1..];
            if (text.Length == 0)
            {
                while (pattern.Length > 0 && pattern[0] == (byte)'*')
                {
                    pattern = pattern[1..];
                }
                break;
            }
        }
        return pattern.Length == 0 && text.Length == 0;
    }
}
