namespace Cairn.StateMachine.Collections;

/// <summary>The pop commands' shared argument forms (t_list.c, t_set.c, t_zset.c, Redis 7.0).</summary>
public static class PopSyntax
{
    public const string NotPositive = "ERR value is out of range, must be positive";

    /// <summary>A pop's optional count: any argument but a non-negative integer is "out of range, must be positive".</summary>
    public static bool TryCount(byte[] arg, out long count) => RedisNumbers.TryParseInt64(arg, out count) && count >= 0;

    /// <summary>
    /// LMPOP / ZMPOP numkeys key [key ...] forward|reverse [COUNT count] (mpopGenericCommand): the keys as the
    /// operands, Number = count (1 by default), flag Rev for <paramref name="reverse"/>.
    /// </summary>
    public static Parsed Multi(byte[][] argv, KvOp op, string forward, string reverse)
    {
        if (!RedisNumbers.TryParseInt64(argv[1], out var keys) || keys < 1)
        {
            return Parsed.Fail("ERR numkeys should be greater than 0");
        }
        if (keys > argv.Length - 3)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        var where = 2 + (int)keys;
        var rev = ScanSyntax.Is(argv[where], reverse);
        if (!rev && !ScanSyntax.Is(argv[where], forward))
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        long count = -1;
        for (var i = where + 1; i < argv.Length; i++)
        {
            if (count == -1 && ScanSyntax.Is(argv[i], "COUNT") && i + 1 < argv.Length)
            {
                if (!RedisNumbers.TryParseInt64(argv[++i], out count) || count < 1)
                {
                    return Parsed.Fail("ERR count should be greater than 0");
                }
            }
            else
            {
                return Parsed.Fail(KvErrors.Syntax);
            }
        }
        return new KvCommand(op, argv[2..where], count == -1 ? 1 : count, flags: rev ? KvFlags.Rev : KvFlags.None);
    }
}
