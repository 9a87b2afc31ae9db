using Cairn.StateMachine.Collections;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.Bits;

/// <summary>The bit family's writes (bitops.c, Redis 7.0), on the apply context. Operands: <see cref="BitsOp"/>.</summary>
internal static class BitWrites
{
    public static KvReply Apply(Context ctx, KvCommand c) => (BitsOp)c.Op.Low() switch
    {
        BitsOp.SetBit => SetBit(ctx, c),
        BitsOp.BitOp => BitOp(ctx, c),
        BitsOp.BitField => BitField(ctx, c),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a write"),
    };

    /// <summary>lookupStringForBitCommand: the string grown with zeros to hold byte <paramref name="lastByte"/> (a copy to change).</summary>
    private static byte[]? Grown(Context ctx, byte[] key, long lastByte, out KvReply? error)
    {
        var current = ctx.String(key, out error);
        if (error is not null)
        {
            return null;
        }
        var old = current ?? ReadOnlyMemory<byte>.Empty;
        var bytes = new byte[Math.Max(old.Length, lastByte + 1)];
        old.Span.CopyTo(bytes);
        return bytes;
    }

    private static KvReply SetBit(Context ctx, KvCommand c)
    {
        var before = ctx.String(c.Args[0], out _);
        if (Grown(ctx, c.Args[0], c.Number >> 3, out var error) is not { } bytes)
        {
            return error!.Value;
        }
        var old = BitRanges.Bit(bytes, c.Number);
        var mask = (byte)(1 << (7 - (int)(c.Number & 7)));
        bytes[c.Number >> 3] = (byte)(c.Number2 == 1 ? bytes[c.Number >> 3] | mask : bytes[c.Number >> 3] & ~mask);
        // Stored either way (Redis makes the string raw even then); as Redis 7.0, the event only for a key created, grown or changed.
        ctx.PutString(c.Args[0], bytes, keepExpiry: true);
        if (before is not { } existing || existing.Length != bytes.Length || old != c.Number2)
        {
            ctx.Notify(KeyspaceEvents.String, "setbit", c.Args[0]);
        }
        return KvReply.Int(old);
    }

    /// <summary>BITOP: missing keys are empty strings, shorter ones zero-padded; an empty result deletes the destination.</summary>
    private static KvReply BitOp(Context ctx, KvCommand c)
    {
        var sources = new List<ReadOnlyMemory<byte>>();
        foreach (var key in c.Args.AsSpan(1))
        {
            var value = ctx.String(key, out var error);
            if (error is not null)
            {
                return error.Value;
            }
            sources.Add(value ?? ReadOnlyMemory<byte>.Empty);
        }
        var length = sources.Max(s => s.Length);
        if (length == 0)
        {
            if (ctx.DeleteKey(c.Args[0]))
            {
                ctx.Notify(KeyspaceEvents.Generic, "del", c.Args[0]);
            }
            return KvReply.Int(0);
        }
        var result = new byte[length];
        sources[0].Span.CopyTo(result);
        if (c.Number == 3)
        {
            for (var i = 0; i < length; i++)
            {
                result[i] = unchecked((byte)~result[i]);
            }
        }
        foreach (var source in sources.Skip(1))
        {
            var s = source.Span;
            for (var i = 0; i < length; i++)
            {
                var b = i < s.Length ? s[i] : (byte)0;
                result[i] = c.Number switch { 0 => (byte)(result[i] & b), 1 => (byte)(result[i] | b), _ => (byte)(result[i] ^ b) };
            }
        }
        ctx.PutString(c.Args[0], result, keepExpiry: false);
        ctx.Notify(KeyspaceEvents.String, "set", c.Args[0]);
        return KvReply.Int(length);
    }

    /// <summary>BITFIELD with a write: the string grown to the farthest bit written, then every op in order.</summary>
    private static KvReply BitField(Context ctx, KvCommand c)
    {
        var ops = c.Args.Skip(1).Select(a => BitFields.Decode(a)).ToList();
        if (ops.All(o => o.Code == BitFields.Get))
        {
            return BitReads.Answer(ctx, new KvCommand(KvOps.Of(BitsOp.BitFieldRo), c.Args));
        }
        var farthest = ops.Where(o => o.Code != BitFields.Get).Max(o => (long)(o.Offset + (ulong)o.Bits - 1));
        if (Grown(ctx, c.Args[0], farthest >> 3, out var error) is not { } bytes)
        {
            return error!.Value;
        }
        var replies = BitFields.Run(bytes, ops);
        ctx.PutString(c.Args[0], bytes, keepExpiry: true);
        if (Enumerable.Range(0, ops.Count).Any(i => ops[i].Code != BitFields.Get && replies[i].Kind != KvReplyKind.Null))
        {
            // As bitfieldGeneric: only when a SET or INCRBY was done (an overflow under FAIL is not).
            ctx.Notify(KeyspaceEvents.String, "setbit", c.Args[0]);
        }
        return KvReply.Array(replies);
    }
}
