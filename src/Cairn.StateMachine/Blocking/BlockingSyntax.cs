using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Blocking;

/// <summary>
/// The blocking commands' arguments made into commands as Redis 7.0 reads them (argv with the command name first,
/// arity checked), with the owner the server gives (<see cref="BlockOwner"/>); the blocking ops' operand rules.
/// </summary>
public static class BlockingSyntax
{
    /// <summary>What a blocking command answers when it waits: its reply comes later, through <see cref="KvStateMachine.ClientsUnblocked"/>.</summary>
    public const string Blocked = "BLOCKED";

    public static bool IsBlocked(in KvReply reply) => reply.Kind == KvReplyKind.Simple && reply.Text == Blocked;

    public const string TimeoutNotFloat = "ERR timeout is not a float or out of range";

    public const string TimeoutNegative = "ERR timeout is negative";

    /// <summary>
    /// getTimeoutFromObjectOrReply in seconds (Redis 7.0.15): a float, times 1000, rounded up to ms; 0 waits forever.
    /// What does not fit a long in ms is negative there (the conversion wraps), and refused as such.
    /// </summary>
    public static bool TryTimeout(byte[] arg, out long milliseconds, out string? error)
    {
        milliseconds = 0;
        error = null;
        if (!RedisNumbers.TryParseDouble(arg, out var seconds))
        {
            error = TimeoutNotFloat;
            return false;
        }
        var ms = Math.Ceiling(seconds * 1000.0);
        if (!(ms < 9.2233720368547758e18) || ms < 0)
        {
            error = TimeoutNegative;
            return false;
        }
        milliseconds = (long)ms;
        return true;
    }

    public static Parsed BLPop(byte[][] argv, byte[] owner) => Keys(argv, owner, BlockingOp.ListPop, KvFlags.None);

    public static Parsed BRPop(byte[][] argv, byte[] owner) => Keys(argv, owner, BlockingOp.ListPop, KvFlags.Rev);

    public static Parsed BZPopMin(byte[][] argv, byte[] owner) => Keys(argv, owner, BlockingOp.ZSetPop, KvFlags.None);

    public static Parsed BZPopMax(byte[][] argv, byte[] owner) => Keys(argv, owner, BlockingOp.ZSetPop, KvFlags.Rev);

    /// <summary>BLPOP key [key ...] timeout: the timeout first (blockingPopGenericCommand).</summary>
    private static Parsed Keys(byte[][] argv, byte[] owner, BlockingOp op, KvFlags flags) =>
        TryTimeout(argv[^1], out var timeout, out var error)
            ? new KvCommand(KvOps.Of(op), [owner, .. argv[1..^1]], timeout, 0, flags)
            : Parsed.Fail(error!);

    public static Parsed BLMPop(byte[][] argv, byte[] owner) => Multi(argv, owner, BlockingOp.ListPop, "LEFT", "RIGHT");

    public static Parsed BZMPop(byte[][] argv, byte[] owner) => Multi(argv, owner, BlockingOp.ZSetPop, "MIN", "MAX");

    /// <summary>BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT count]: numkeys, the side and count are read before the timeout.</summary>
    private static Parsed Multi(byte[][] argv, byte[] owner, BlockingOp op, string forward, string reverse)
    {
        var inner = PopSyntax.Multi([argv[0], .. argv[2..]], KvOps.Of(op), forward, reverse);
        if (inner.Command is not { } pop)
        {
            return inner;
        }
        return TryTimeout(argv[1], out var timeout, out var error)
            ? new KvCommand(pop.Op, [owner, .. pop.Args], timeout, pop.Number, pop.Flags)
            : Parsed.Fail(error!);
    }

    /// <summary>BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: the sides before the timeout.</summary>
    public static Parsed BLMove(byte[][] argv, byte[] owner)
    {
        if (Side(argv[3]) is not { } from || Side(argv[4]) is not { } to)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        return Move(argv[1], argv[2], argv[5], owner, from | (to << 1));
    }

    /// <summary>BRPOPLPUSH source destination timeout: BLMOVE source destination RIGHT LEFT.</summary>
    public static Parsed BRPopLPush(byte[][] argv, byte[] owner) => Move(argv[1], argv[2], argv[3], owner, 1);

    private static Parsed Move(byte[] source, byte[] destination, byte[] timeoutArg, byte[] owner, long sides) =>
        TryTimeout(timeoutArg, out var timeout, out var error)
            ? new KvCommand(KvOps.Of(BlockingOp.ListMove), [owner, source, destination], timeout, sides)
            : Parsed.Fail(error!);

    private static long? Side(byte[] arg) => ScanSyntax.Is(arg, "LEFT") ? 0 : ScanSyntax.Is(arg, "RIGHT") ? 1 : null;

    /// <summary>The operand rules of the blocking ops (see <see cref="BlockingOp"/>): Redis's error, or null.</summary>
    public static string? Check(KvCommand c)
    {
        var n = c.Args.Length;
        var owner = n > 0 && c.Args[0].Length == BlockOwner.Length;
        return (BlockingOp)c.Op.Low() switch
        {
            BlockingOp.ListPop or BlockingOp.ZSetPop => n < 2 || !owner || c.Number < 0 || c.Number2 < 0 ? KvCommandRules.Arity(c) : null,
            BlockingOp.ListMove => n != 3 || !owner || c.Number < 0 || c.Number2 is < 0 or > 3 ? KvCommandRules.Arity(c) : null,
            BlockingOp.Unblock => n != 1 || !owner || c.Number is < 0 or > 2 ? KvCommandRules.Arity(c) : null,
            BlockingOp.Timeouts => n != 0 ? KvCommandRules.Arity(c) : null,
            BlockingOp.Ack => n < 1 || c.Args.Any(a => a.Length != BlockOwner.Length) ? KvCommandRules.Arity(c) : null,
            BlockingOp.Release => n != 2 || c.Args.Any(a => a.Length != 8) ? KvCommandRules.Arity(c) : null,
            _ => $"ERR unknown command op {(ushort)c.Op}",
        };
    }
}
