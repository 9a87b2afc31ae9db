namespace Cairn.StateMachine;

/// <summary>
/// The operand rules of every <see cref="KvOp"/> (the layouts on <see cref="KvCommand"/>), checked by the state
/// machine itself: a command reaches Apply from a RESP handler, from a follower's forward or (later) from a
/// script, and only this check is common to all of them. A command that passes cannot make an op index past its
/// arguments, build a string over <see cref="KvStateMachine.MaxStringLength"/> or overflow its arithmetic.
/// </summary>
public static class KvCommandRules
{
    private const KvFlags Expiry = KvFlags.ExpireRelative | KvFlags.ExpireAbsolute;

    /// <summary>Redis's error for a command that breaks its op's rules, or null when it keeps them.</summary>
    public static string? Check(KvCommand c)
    {
        var args = c.Args;
        var n = args.Length;
        return c.Op switch
        {
            KvOp.Set => n != 2 ? Arity(c) : SetFlags(c),
            KvOp.SetNx or KvOp.Append or KvOp.Rename or KvOp.RenameNx => n != 2 ? Arity(c) : null,
            KvOp.GetEx => n != 1 ? Arity(c) : GetExFlags(c),
            KvOp.MSet or KvOp.MSetNx => n < 2 || n % 2 != 0 ? Arity(c) : null,
            KvOp.SetRange => n != 2 ? Arity(c) : c.Number < 0 ? KvErrors.OffsetOutOfRange : null,
            KvOp.IncrByFloat => n != 1 ? Arity(c) : null,
            KvOp.Expire => n != 1 ? Arity(c) : ExpireFlags(c),
            KvOp.Del or KvOp.MGet or KvOp.Exists => n < 1 ? Arity(c) : null,
            KvOp.FlushAll or KvOp.RandomKey or KvOp.DbSize or KvOp.DigestMark => n != 0 ? Arity(c) : null,
            KvOp.SetAlarm => n != 1 ? Arity(c) : null,
            KvOp.ExpireKeys => n % 2 != 0 || !EveryOtherIsExpiry(args) ? "ERR malformed expiry list: key and 8-byte expiry pairs expected" : null,
            KvOp.GetDel or KvOp.Persist or KvOp.IncrBy or KvOp.Get or KvOp.StrLen or KvOp.GetRange or KvOp.Type
                or KvOp.Ttl or KvOp.ExpireTime or KvOp.Keys or KvOp.GetRecord => n != 1 ? Arity(c) : null,
            KvOp.Scan => n != 2 ? Arity(c) : c.Number < 0 ? "ERR invalid cursor" : c.Number2 < 1 ? KvErrors.Syntax : null,
            KvOp.Range => n != 2 ? Arity(c) : null,
            KvOp.Copy => n != 2 ? Arity(c) : args[0].AsSpan().SequenceEqual(args[1]) ? "ERR source and destination objects are the same" : null,
            KvOp.ObjectInfo => n != 1 ? Arity(c) : c.Number is < 0 or > 3 ? KvErrors.Syntax : null,
            _ when KvFamilies.Of(c.Op) is { } family => family.Check(c),
            _ => $"ERR unknown command op {(ushort)c.Op}",
        };
    }

    internal static string Arity(KvCommand c) => $"ERR wrong number of arguments for '{c.Op.Name().ToLowerInvariant()}' command";

    private static string? SetFlags(KvCommand c)
    {
        if ((c.Has(KvFlags.Nx) && c.Has(KvFlags.Xx)) || (c.Flags & Expiry) == Expiry || (c.Has(KvFlags.KeepTtl) && (c.Flags & Expiry) != 0))
        {
            return KvErrors.Syntax;
        }
        return (c.Flags & Expiry) != 0 && c.Number <= 0 ? KvErrors.InvalidExpire("set") : null;
    }

    private static string? GetExFlags(KvCommand c)
    {
        if (c.Has(KvFlags.ExpiryRefused))
        {
            return (c.Flags & (Expiry | KvFlags.Persist)) != 0 || c.Number is not (1 or 2) ? KvErrors.Syntax : null;
        }
        if ((c.Flags & Expiry) == Expiry || (c.Has(KvFlags.Persist) && (c.Flags & Expiry) != 0))
        {
            return KvErrors.Syntax;
        }
        return (c.Flags & Expiry) != 0 && c.Number <= 0 ? KvErrors.InvalidExpire("getex") : null;
    }

    private static string? ExpireFlags(KvCommand c)
    {
        var exclusive = (c.Has(KvFlags.Nx) ? 1 : 0) + (c.Has(KvFlags.Xx) ? 1 : 0) + (c.Has(KvFlags.Gt) ? 1 : 0) + (c.Has(KvFlags.Lt) ? 1 : 0);
        if (c.Has(KvFlags.Nx) && exclusive > 1)
        {
            return "ERR NX and XX, GT or LT options at the same time are not compatible";
        }
        if (c.Has(KvFlags.Gt) && c.Has(KvFlags.Lt))
        {
            return "ERR GT and LT options at the same time are not compatible";
        }
        var expiry = c.Flags & Expiry;
        return expiry is KvFlags.ExpireRelative or KvFlags.ExpireAbsolute ? null : KvErrors.Syntax;
    }


    private static bool EveryOtherIsExpiry(byte[][] args)
    {
        for (var i = 1; i < args.Length; i += 2)
        {
            if (args[i].Length != 8)
            {
                return false;
            }
        }
        return true;
    }
}
