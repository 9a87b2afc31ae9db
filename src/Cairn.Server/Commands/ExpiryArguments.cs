using Cairn.Resp;
using Cairn.StateMachine;

namespace Cairn.Server.Commands;

/// <summary>
/// Parses the expiry options of SET and GETEX the way Redis's parseExtendedStringArgumentsOrReply and
/// getExpireMillisecondsOrReply do, including which combinations are a syntax error.
/// </summary>
internal static class ExpiryArguments
{
    private const KvFlags ExpiryFlags = KvFlags.ExpireRelative | KvFlags.ExpireAbsolute;

    /// <summary>
    /// Reads options from argument <paramref name="from"/> on. On success <paramref name="flags"/> holds NX/XX/GET/KEEPTTL/PERSIST
    /// and at most one of ExpireRelative/ExpireAbsolute with <paramref name="milliseconds"/>. On failure the error is written.
    /// </summary>
    public static bool TryParse(CommandContext context, int from, bool isSet, out KvFlags flags, out long milliseconds)
    {
        flags = KvFlags.None;
        milliseconds = 0;
        string? unit = null;
        var args = context.Args;
        var expireIndex = 0;
        for (var i = from; i < context.Count; i++)
        {
            var hasNext = i + 1 < context.Count;
            var timed = (flags & (KvFlags.KeepTtl | KvFlags.Persist)) != 0;
            if (isSet && args.Is(i, "NX"u8) && (flags & KvFlags.Xx) == 0)
            {
                flags |= KvFlags.Nx;
            }
            else if (isSet && args.Is(i, "XX"u8) && (flags & KvFlags.Nx) == 0)
            {
                flags |= KvFlags.Xx;
            }
            else if (isSet && args.Is(i, "GET"u8))
            {
                flags |= KvFlags.Get;
            }
            else if (isSet && args.Is(i, "KEEPTTL"u8) && (flags & KvFlags.Persist) == 0 && unit is null)
            {
                flags |= KvFlags.KeepTtl;
            }
            else if (!isSet && args.Is(i, "PERSIST"u8) && (flags & KvFlags.KeepTtl) == 0 && unit is null)
            {
                flags |= KvFlags.Persist;
            }
            else if (hasNext && !timed && TryUnit(args, i, unit, out var matched))
            {
                unit = matched;
                expireIndex = ++i;
            }
            else
            {
                context.SyntaxError();
                return false;
            }
        }
        if (unit is null)
        {
            return true;
        }
        if (!RespNumbers.TryParseInt64(args[expireIndex], out var value))
        {
            return Refuse(context, isSet, KvErrors.NotInteger, 1, ref flags, out milliseconds);
        }
        var seconds = unit is "EX" or "EXAT";
        if (value <= 0 || (seconds && value > long.MaxValue / 1000))
        {
            return Refuse(context, isSet, KvErrors.InvalidExpire(context.Command.Name), 2, ref flags, out milliseconds);
        }
        milliseconds = seconds ? value * 1000 : value;
        if (unit is "EX" or "PX")
        {
            // Checked here against this node's clock; Apply adds the entry's own timestamp.
            if (milliseconds > long.MaxValue - context.Server.NowMilliseconds)
            {
                return Refuse(context, isSet, KvErrors.InvalidExpire(context.Command.Name), 2, ref flags, out milliseconds);
            }
            flags |= KvFlags.ExpireRelative;
        }
        else
        {
            flags |= KvFlags.ExpireAbsolute;
        }
        return true;
    }

    /// <summary>
    /// A refused expiry value. SET answers at once; GETEX only once Apply has found the key a string (Redis checks
    /// GETEX's value after the key: on a missing key it answers nil), so the error travels as <see cref="KvFlags.ExpiryRefused"/>.
    /// </summary>
    private static bool Refuse(CommandContext context, bool isSet, string error, long code, ref KvFlags flags, out long milliseconds)
    {
        milliseconds = code;
        if (isSet)
        {
            context.Error(error);
            return false;
        }
        flags = (flags & ~(ExpiryFlags | KvFlags.Persist)) | KvFlags.ExpiryRefused;
        return true;
    }

    /// <summary>
    /// Redis accepts a repeated option of the same unit (the later value wins) but not two different units.
    /// </summary>
    private static bool TryUnit(RespRequest args, int i, string? current, out string? unit)
    {
        unit = args.Is(i, "EX"u8) ? "EX" : args.Is(i, "PX"u8) ? "PX" : args.Is(i, "EXAT"u8) ? "EXAT" : args.Is(i, "PXAT"u8) ? "PXAT" : null;
        return unit is not null && (current is null || current == unit);
    }

    public static bool HasExpiry(KvFlags flags) => (flags & ExpiryFlags) != 0;
}
