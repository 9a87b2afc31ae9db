using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Hashes;

/// <summary>
/// The hash commands' arguments (argv, the command's name first, arity already checked) made into commands, as
/// Redis 7.0's t_hash.c reads them; and the operand rules Apply checks for a command from anywhere.
/// </summary>
public static class HashSyntax
{
    private static KvOp Op(HashOp op) => KvOps.Of(op);

    private static KvCommand Make(HashOp op, byte[][] argv, long number = 0, KvFlags flags = KvFlags.None, double @float = 0) =>
        new(Op(op), argv[1..], number, flags: flags, @float: @float);

    public static Parsed HSet(byte[][] argv) => argv.Length % 2 == 1 ? Parsed.WrongArity(argv) : Make(HashOp.HSet, argv);

    public static Parsed HMSet(byte[][] argv) => argv.Length % 2 == 1 ? Parsed.WrongArity(argv) : Make(HashOp.HMSet, argv);

    public static Parsed HSetNx(byte[][] argv) => Make(HashOp.HSetNx, argv);

    public static Parsed HDel(byte[][] argv) => Make(HashOp.HDel, argv);

    public static Parsed HIncrBy(byte[][] argv) =>
        RedisNumbers.TryParseInt64(argv[3], out var by) ? new KvCommand(Op(HashOp.HIncrBy), [argv[1], argv[2]], by) : Parsed.Fail(KvErrors.NotInteger);

    public static Parsed HIncrByFloat(byte[][] argv)
    {
        if (!RedisNumbers.TryParseDouble(argv[3], out var by))
        {
            return Parsed.Fail(KvErrors.NotFloat);
        }
        return double.IsFinite(by) ? new KvCommand(Op(HashOp.HIncrByFloat), [argv[1], argv[2]], @float: by) : Parsed.Fail("ERR value is NaN or Infinity");
    }

    public static Parsed HGet(byte[][] argv) => Make(HashOp.HGet, argv);

    public static Parsed HMGet(byte[][] argv) => Make(HashOp.HMGet, argv);

    public static Parsed HGetAll(byte[][] argv) => Make(HashOp.HGetAll, argv);

    public static Parsed HKeys(byte[][] argv) => Make(HashOp.HKeys, argv);

    public static Parsed HVals(byte[][] argv) => Make(HashOp.HVals, argv);

    public static Parsed HLen(byte[][] argv) => Make(HashOp.HLen, argv);

    public static Parsed HExists(byte[][] argv) => Make(HashOp.HExists, argv);

    public static Parsed HStrLen(byte[][] argv) => Make(HashOp.HStrLen, argv);

    /// <summary>t_hash.c hrandfieldCommand / hrandfieldWithCountCommand.</summary>
    public static Parsed HRandField(byte[][] argv)
    {
        if (argv.Length == 2)
        {
            return new KvCommand(Op(HashOp.HRandField), [argv[1]]);
        }
        var withValues = argv.Length == 4 && ScanSyntax.Is(argv[3], "WITHVALUES");
        if (!RandomMembers.ParseCount(argv[2], withPairs: false, out var count, out var error))
        {
            return Parsed.Fail(error!);
        }
        if (argv.Length > 4 || (argv.Length == 4 && !withValues))
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        if (!RandomMembers.ParseCount(argv[2], withValues, out count, out error))
        {
            return Parsed.Fail(error!);
        }
        if (count < -RandomMembers.MaxRepeated)
        {
            return Parsed.Fail(RandomMembers.RepeatedTooMany);
        }
        return new KvCommand(Op(HashOp.HRandField), [argv[1]], count, flags: KvFlags.Count | (withValues ? KvFlags.WithValues : KvFlags.None));
    }

    public static Parsed HScan(byte[][] argv) => ScanSyntax.Parse(Op(HashOp.HScan), argv);

    /// <summary>The operand rules of the hash ops (see <see cref="HashOp"/>): Redis's error, or null.</summary>
    public static string? Check(KvCommand c)
    {
        var n = c.Args.Length;
        return (HashOp)c.Op.Low() switch
        {
            HashOp.HSet or HashOp.HMSet => n < 3 || n % 2 == 0 ? KvCommandRules.Arity(c) : null,
            HashOp.HSetNx => n != 3 ? KvCommandRules.Arity(c) : null,
            HashOp.HDel or HashOp.HMGet => n < 2 ? KvCommandRules.Arity(c) : null,
            HashOp.HIncrBy or HashOp.HGet or HashOp.HExists or HashOp.HStrLen => n != 2 ? KvCommandRules.Arity(c) : null,
            HashOp.HIncrByFloat => n != 2 ? KvCommandRules.Arity(c) : double.IsFinite(c.Float) ? null : "ERR value is NaN or Infinity",
            HashOp.HGetAll or HashOp.HKeys or HashOp.HVals or HashOp.HLen => n != 1 ? KvCommandRules.Arity(c) : null,
            HashOp.HRandField => n != 1 ? KvCommandRules.Arity(c) : c.Number < -RandomMembers.MaxRepeated ? RandomMembers.RepeatedTooMany : null,
            HashOp.HScan => ScanSyntax.Check(c),
            _ => $"ERR unknown command op {(ushort)c.Op}",
        };
    }
}
