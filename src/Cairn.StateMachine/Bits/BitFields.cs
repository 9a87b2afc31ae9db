using System.Buffers.Binary;

namespace Cairn.StateMachine.Bits;

/// <summary>
/// BITFIELD's integers (bitops.c, Redis 7.0): fields of 1 to 64 bits (unsigned: 63) at any bit offset, most
/// significant bit first, and the overflow rules WRAP, SAT and FAIL. An op travels as 20 bytes: code, signed flag,
/// width, overflow, offset (u64 BE, in bits), value (i64 BE).
/// </summary>
public static class BitFields
{
    public const byte Get = 0, Set = 1, IncrBy = 2;
    public const byte Wrap = 0, Sat = 1, Fail = 2;
    public const int OpSize = 20;

    public readonly record struct Op(byte Code, bool Signed, int Bits, byte Overflow, ulong Offset, long Value);

    public static byte[] Encode(Op op)
    {
        var bytes = new byte[OpSize];
        bytes[0] = op.Code;
        bytes[1] = op.Signed ? (byte)1 : (byte)0;
        bytes[2] = (byte)op.Bits;
        bytes[3] = op.Overflow;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(4), op.Offset);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(12), op.Value);
        return bytes;
    }

    public static Op Decode(ReadOnlySpan<byte> bytes) =>
        new(bytes[0], bytes[1] == 1, bytes[2], bytes[3], BinaryPrimitives.ReadUInt64BigEndian(bytes[4..]), BinaryPrimitives.ReadInt64BigEndian(bytes[12..]));

    /// <summary>Whether encoded op bytes keep the rules the syntax enforces (a peer or an old log may send anything).</summary>
    public static bool IsValid(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != OpSize)
        {
            return false;
        }
        var op = Decode(bytes);
        return op.Code <= IncrBy && bytes[1] <= 1 && op.Overflow <= Fail && op.Bits >= 1 && op.Bits <= (op.Signed ? 64 : 63)
            && (op.Offset >> 3) < BitSyntax.MaxBytes;
    }

    public static ulong GetUnsigned(ReadOnlySpan<byte> p, ulong offset, int bits)
    {
        ulong value = 0;
        for (var j = 0; j < bits; j++, offset++)
        {
            var index = (int)(offset >> 3);
            var bit = index < p.Length ? (p[index] >> (7 - (int)(offset & 7))) & 1 : 0;
            value = (value << 1) | (uint)bit;
        }
        return value;
    }

    public static long GetSigned(ReadOnlySpan<byte> p, ulong offset, int bits)
    {
        var value = unchecked((long)GetUnsigned(p, offset, bits));
        if (bits < 64 && (value & (1L << (bits - 1))) != 0)
        {
            value |= -1L << bits;
        }
        return value;
    }

    public static void SetBits(Span<byte> p, ulong offset, int bits, ulong value)
    {
        for (var j = 0; j < bits; j++, offset++)
        {
            var bitValue = (value >> (bits - 1 - j)) & 1;
            var index = (int)(offset >> 3);
            var shift = 7 - (int)(offset & 7);
            p[index] = (byte)((p[index] & ~(1 << shift)) | ((int)bitValue << shift));
        }
    }

    /// <summary>checkUnsignedBitfieldOverflow: whether value + incr leaves the field's range, and what to store then.</summary>
    public static bool UnsignedOverflows(ulong value, long incr, int bits, byte overflow, out ulong limit)
    {
        var max = (1UL << bits) - 1;
        var maxIncr = unchecked((long)(max - value));
        var minIncr = unchecked(-(long)value);
        limit = 0;
        if (value > max || (incr > 0 && incr > maxIncr))
        {
            limit = overflow == Wrap ? Wrapped() : max;
            return true;
        }
        if (incr < 0 && incr < minIncr)
        {
            limit = overflow == Wrap ? Wrapped() : 0;
            return true;
        }
        return false;

        ulong Wrapped() => unchecked(value + (ulong)incr) & ~(ulong.MaxValue << bits);
    }

    /// <summary>checkSignedBitfieldOverflow, with Redis's unsigned arithmetic kept.</summary>
    public static bool SignedOverflows(long value, long incr, int bits, byte overflow, out long limit)
    {
        var max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        var min = -max - 1;
        var maxIncr = unchecked((long)((ulong)max - (ulong)value));
        var minIncr = unchecked(min - value);
        limit = 0;
        if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr))
        {
            limit = overflow == Wrap ? Wrapped() : max;
            return true;
        }
        if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr))
        {
            limit = overflow == Wrap ? Wrapped() : min;
            return true;
        }
        return false;

        long Wrapped()
        {
            var c = unchecked((ulong)value + (ulong)incr);
            if (bits < 64)
            {
                var mask = ulong.MaxValue << bits;
                c = (c & (1UL << (bits - 1))) != 0 ? c | mask : c & ~mask;
            }
            return unchecked((long)c);
        }
    }

    /// <summary>A GET: bits past the end of the string read as zeros.</summary>
    public static KvReply Read(ReadOnlySpan<byte> p, Op op) =>
        KvReply.Int(op.Signed ? GetSigned(p, op.Offset, op.Bits) : unchecked((long)GetUnsigned(p, op.Offset, op.Bits)));

    /// <summary>Runs the ops on <paramref name="p"/> (large enough for every write), one reply each; FAIL overflows write nothing and answer null.</summary>
    public static KvReply[] Run(Span<byte> p, IReadOnlyList<Op> ops)
    {
        var replies = new KvReply[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op.Code == Get)
            {
                replies[i] = Read(p, op);
                continue;
            }
            bool overflowed;
            long reply;
            ulong stored;
            if (op.Signed)
            {
                var old = GetSigned(p, op.Offset, op.Bits);
                overflowed = op.Code == IncrBy
                    ? SignedOverflows(old, op.Value, op.Bits, op.Overflow, out var limit)
                    : SignedOverflows(op.Value, 0, op.Bits, op.Overflow, out limit);
                var updated = overflowed ? limit : op.Code == IncrBy ? unchecked(old + op.Value) : op.Value;
                (reply, stored) = (op.Code == IncrBy ? updated : old, unchecked((ulong)updated));
            }
            else
            {
                var old = GetUnsigned(p, op.Offset, op.Bits);
                var candidate = op.Code == IncrBy ? unchecked(old + (ulong)op.Value) : unchecked((ulong)op.Value);
                overflowed = op.Code == IncrBy
                    ? UnsignedOverflows(old, op.Value, op.Bits, op.Overflow, out var limit)
                    : UnsignedOverflows(candidate, 0, op.Bits, op.Overflow, out limit);
                var updated = overflowed ? limit : candidate;
                (reply, stored) = (unchecked((long)(op.Code == IncrBy ? updated : old)), updated);
            }
            if (overflowed && op.Overflow == Fail)
            {
                replies[i] = KvReply.Null;
                continue;
            }
            SetBits(p, op.Offset, op.Bits, stored);
            replies[i] = KvReply.Int(reply);
        }
        return replies;
    }
}
