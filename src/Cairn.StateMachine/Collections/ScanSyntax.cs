namespace Cairn.StateMachine.Collections;

/// <summary>
/// HSCAN, SSCAN and ZSCAN's arguments (key cursor [MATCH pattern] [COUNT count]) as Redis 7.0 reads them: a bad
/// cursor is refused at once; a bad option only once the key is known to be of the command's type (an absent key
/// answers an empty scan first), so its error travels in the command (<see cref="Refusal"/>).
/// Operands: [key, pattern (empty: all), refusal (empty: none)], Number = cursor, Number2 = count.
/// </summary>
internal static class ScanSyntax
{
    public const long DefaultCount = 10;

    public static Parsed Parse(KvOp op, byte[][] argv)
    {
        if (!RedisNumbers.TryParseCursor(argv[2], out var cursor))
        {
            return Parsed.Fail("ERR invalid cursor");
        }
        var count = DefaultCount;
        byte[] pattern = [];
        var refusal = "";
        for (var i = 3; i < argv.Length && refusal.Length == 0; i++)
        {
            var hasValue = i + 1 < argv.Length;
            if (hasValue && Is(argv[i], "COUNT"))
            {
                if (!RedisNumbers.TryParseInt64(argv[++i], out count))
                {
                    refusal = KvErrors.NotInteger;
                }
                else if (count < 1)
                {
                    refusal = KvErrors.Syntax;
                }
            }
            else if (hasValue && Is(argv[i], "MATCH"))
            {
                pattern = argv[++i] is [(byte)'*'] ? [] : argv[i];
            }
            else
            {
                refusal = KvErrors.Syntax;
            }
        }
        var start = cursor > long.MaxValue ? long.MaxValue : (long)cursor;
        return new KvCommand(op, [argv[1], pattern, System.Text.Encoding.ASCII.GetBytes(refusal)], start, refusal.Length == 0 ? count : 1);
    }

    public static string? Check(KvCommand c) =>
        c.Args.Length != 3 ? KvCommandRules.Arity(c) : c.Number < 0 ? "ERR invalid cursor" : c.Number2 < 1 ? KvErrors.Syntax : null;

    /// <summary>The option error the command carries, to give once the key is known to be of its type.</summary>
    public static KvReply? Refusal(KvCommand c) =>
        c.Args[2].Length == 0 ? null : KvReply.Error(System.Text.Encoding.ASCII.GetString(c.Args[2]));

    public static bool Is(ReadOnlySpan<byte> arg, string upper) => System.Text.Ascii.EqualsIgnoreCase(arg, upper);
}
