using System.Text;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    /// <summary>Largest string a write may produce (Redis's default proto-max-bulk-len, fixed so Apply stays deterministic).</summary>
    public const long MaxStringLength = 512L * 1024 * 1024;

    private KvReply Set(KvCommand c)
    {
        var wantOld = c.Has(KvFlags.Get);
        // Only SET ... GET needs the old value; otherwise whether the key is live and its expiry suffice.
        var slot = wantOld ? Lookup(c.Args[0]) : LookupKey(c.Args[0]);
        var isLive = slot.IsLiveAt(_now);
        var oldReply = KvReply.Null;
        if (wantOld && Live(slot) is { } live)
        {
            if (ValueRecord.Type(live) != ValueType.String)
            {
                return KvReply.Error(KvErrors.WrongType);
            }
            oldReply = KvReply.Bulk(ValueRecord.PayloadMemory(live));
        }
        if ((c.Has(KvFlags.Nx) && isLive) || (c.Has(KvFlags.Xx) && !isLive))
        {
            return wantOld ? oldReply : KvReply.Null;
        }
        long expireAt = 0;
        if (c.Has(KvFlags.ExpireRelative | KvFlags.ExpireAbsolute))
        {
            if (!TryResolveExpiry(c, out expireAt))
            {
                return KvReply.Error(KvErrors.InvalidExpire("set"));
            }
        }
        else if (c.Has(KvFlags.KeepTtl) && isLive)
        {
            expireAt = slot.ExpireAt;
        }
        Store(slot, NewString(c.Args[1], expireAt));
        Notify(KeyspaceEvents.String, "set", c.Args[0]);
        if (c.Has(KvFlags.ExpireRelative | KvFlags.ExpireAbsolute))
        {
            Notify(KeyspaceEvents.Generic, "expire", c.Args[0]);
        }
        return wantOld ? oldReply : c.Has(KvFlags.WithRevision) ? KvReply.Int(_index) : KvReply.Ok;
    }

    private KvReply SetNx(KvCommand c)
    {
        var slot = LookupKey(c.Args[0]);
        if (slot.IsLiveAt(_now))
        {
            return KvReply.Int(0);
        }
        Store(slot, NewString(c.Args[1], 0));
        Notify(KeyspaceEvents.String, "set", c.Args[0]);
        return KvReply.Int(1);
    }

    private KvReply GetDel(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        if (live is null)
        {
            return KvReply.Null;
        }
        if (ValueRecord.Type(live) != ValueType.String)
        {
            return KvReply.Error(KvErrors.WrongType);
        }
        Remove(slot);
        Notify(KeyspaceEvents.Generic, "del", c.Args[0]);
        return KvReply.Bulk(ValueRecord.PayloadMemory(live));
    }

    private KvReply GetEx(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        if (live is null)
        {
            return KvReply.Null;
        }
        if (ValueRecord.Type(live) != ValueType.String)
        {
            return KvReply.Error(KvErrors.WrongType);
        }
        if (c.Has(KvFlags.ExpiryRefused))
        {
            return KvReply.Error(c.Number == 1 ? KvErrors.NotInteger : KvErrors.InvalidExpire("getex"));
        }
        var reply = KvReply.Bulk(ValueRecord.PayloadMemory(live));
        if (c.Has(KvFlags.Persist))
        {
            if (ValueRecord.ExpireAt(live) != 0)
            {
                Store(slot, Restamp(live, 0));
                Notify(KeyspaceEvents.Generic, "persist", c.Args[0]);
            }
        }
        else if (c.Has(KvFlags.ExpireRelative | KvFlags.ExpireAbsolute))
        {
            if (!TryResolveExpiry(c, out var expireAt))
            {
                return KvReply.Error(KvErrors.InvalidExpire("getex"));
            }
            if (expireAt <= _now)
            {
                Remove(slot);
                Notify(KeyspaceEvents.Generic, "del", c.Args[0]);
            }
            else
            {
                Store(slot, Restamp(live, expireAt));
                Notify(KeyspaceEvents.Generic, "expire", c.Args[0]);
            }
        }
        return reply;
    }

    private KvReply MSet(KvCommand c)
    {
        for (var i = 0; i + 1 < c.Args.Length; i += 2)
        {
            Store(LookupKey(c.Args[i]), NewString(c.Args[i + 1], 0));
            Notify(KeyspaceEvents.String, "set", c.Args[i]);
        }
        return KvReply.Ok;
    }

    private KvReply MSetNx(KvCommand c)
    {
        for (var i = 0; i + 1 < c.Args.Length; i += 2)
        {
            if (LookupKey(c.Args[i]).IsLiveAt(_now))
            {
                return KvReply.Int(0);
            }
        }
        MSet(c);
        return KvReply.Int(1);
    }

    private KvReply Append(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        var suffix = c.Args[1];
        if (live is null)
        {
            Store(slot, NewString(suffix, 0));
            Notify(KeyspaceEvents.String, "append", c.Args[0]);
            return KvReply.Int(suffix.Length);
        }
        if (ValueRecord.Type(live) != ValueType.String)
        {
            return KvReply.Error(KvErrors.WrongType);
        }
        var old = ValueRecord.Payload(live);
        long length = (long)old.Length + suffix.Length;
        if (length > MaxStringLength)
        {
            return KvReply.Error(KvErrors.TooBig);
        }
        var joined = new byte[length];
        old.CopyTo(joined);
        suffix.CopyTo(joined.AsSpan(old.Length));
        Store(slot, NewString(joined, ValueRecord.ExpireAt(live), StringEncoding.InPlace));
        Notify(KeyspaceEvents.String, "append", c.Args[0]);
        return KvReply.Int(length);
    }

    private KvReply SetRange(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        var value = c.Args[1];
        var offset = c.Number;
        if (live is not null && ValueRecord.Type(live) != ValueType.String)
        {
            return KvReply.Error(KvErrors.WrongType);
        }
        var old = live is null ? ReadOnlySpan<byte>.Empty : ValueRecord.Payload(live);
        if (value.Length == 0)
        {
            return KvReply.Int(old.Length);
        }
        // Subtraction, not addition: offset + length can wrap past long.MaxValue.
        if (offset > MaxStringLength - value.Length)
        {
            return KvReply.Error(KvErrors.TooBig);
        }
        var updated = new byte[Math.Max(old.Length, (int)offset + value.Length)];
        old.CopyTo(updated);
        value.CopyTo(updated.AsSpan((int)offset));
        Store(slot, NewString(updated, live is null ? 0 : ValueRecord.ExpireAt(live), StringEncoding.InPlace));
        Notify(KeyspaceEvents.String, "setrange", c.Args[0]);
        return KvReply.Int(updated.Length);
    }

    private KvReply IncrBy(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        long current = 0;
        if (live is not null)
        {
            if (ValueRecord.Type(live) != ValueType.String)
            {
                return KvReply.Error(KvErrors.WrongType);
            }
            if (!RedisNumbers.TryParseInt64(ValueRecord.Payload(live), out current))
            {
                return KvReply.Error(KvErrors.NotInteger);
            }
        }
        var delta = c.Number;
        if ((delta > 0 && current > long.MaxValue - delta) || (delta < 0 && current < long.MinValue - delta))
        {
            return KvReply.Error(KvErrors.Overflow);
        }
        var result = current + delta;
        Store(slot, NewString(RedisNumbers.FormatInt64(result), live is null ? 0 : ValueRecord.ExpireAt(live)));
        Notify(KeyspaceEvents.String, "incrby", c.Args[0]);
        return KvReply.Int(result);
    }

    private KvReply IncrByFloat(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        double current = 0;
        if (live is not null)
        {
            if (ValueRecord.Type(live) != ValueType.String)
            {
                return KvReply.Error(KvErrors.WrongType);
            }
            if (!RedisNumbers.TryParseDouble(ValueRecord.Payload(live), out current))
            {
                return KvReply.Error(KvErrors.NotFloat);
            }
        }
        if (double.IsNaN(c.Float))
        {
            // The increment was not a number (see the operands): refused after the key's type and value, as Redis does.
            return KvReply.Error(KvErrors.NotFloat);
        }
        var result = current + c.Float;
        if (double.IsNaN(result) || double.IsInfinity(result))
        {
            return KvReply.Error(KvErrors.FloatOverflow);
        }
        var text = Encoding.ASCII.GetBytes(RedisNumbers.FormatDouble(result));
        Store(slot, NewString(text, live is null ? 0 : ValueRecord.ExpireAt(live), StringEncoding.NoInt));
        Notify(KeyspaceEvents.String, "incrbyfloat", c.Args[0]);
        return KvReply.Bulk(text);
    }
}
