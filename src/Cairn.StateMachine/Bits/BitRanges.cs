using System.Numerics;
using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Bits;

/// <summary>BITCOUNT's and BITPOS's ranges and scans (bitcountCommand, bitposCommand in Redis 7.0), on a string's bytes.</summary>
internal static class BitRanges
{
    /// <summary>BITCOUNT with the arguments after the key, which Redis reads only once the key holds a string.</summary>
    public static KvReply Count(ReadOnlySpan<byte> p, byte[][] range)
    {
        if (range.Length == 0)
        {
            return KvReply.Int(PopCount(p));
        }
        if (range.Length is not (2 or 3))
        {
            return KvReply.Error(KvErrors.Syntax);
        }
        if (!RedisNumbers.TryParseInt64(range[0], out var start) || !RedisNumbers.TryParseInt64(range[1], out var end))
        {
            return KvReply.Error(KvErrors.NotInteger);
        }
        if (start < 0 && end < 0 && start > end)
        {
            return KvReply.Int(0);
        }
        if (!TryUnit(range, 2, out var isBit))
        {
            return KvReply.Error(KvErrors.Syntax);
        }
        var (first, last) = Clamp(start, end, isBit ? (long)p.Length << 3 : p.Length);
        if (first > last)
        {
            return KvReply.Int(0);
        }
        if (!isBit)
        {
            return KvReply.Int(PopCount(p[(int)first..(int)(last + 1)]));
        }
        var (firstByte, lastByte) = ((int)(first >> 3), (int)(last >> 3));
        var count = PopCount(p[firstByte..(lastByte + 1)]);
        count -= BitOperations.PopCount((uint)(p[firstByte] & ~(0xFF >> (int)(first & 7)) & 0xFF));
        count -= BitOperations.PopCount((uint)(p[lastByte] & ((1 << (7 - (int)(last & 7))) - 1)));
        return KvReply.Int(count);
    }

    /// <summary>BITPOS with the arguments after the bit, read once the key holds a string.</summary>
    public static KvReply Position(ReadOnlySpan<byte> p, int target, byte[][] range)
    {
        if (range.Length > 3)
        {
            return KvReply.Error(KvErrors.Syntax);
        }
        long length = p.Length;
        long start = 0, end = length - 1;
        var isBit = false;
        var endGiven = range.Length >= 2;
        if (range.Length > 0)
        {
            if (!RedisNumbers.TryParseInt64(range[0], out start))
            {
                return KvReply.Error(KvErrors.NotInteger);
            }
            if (!TryUnit(range, 2, out isBit))
            {
                return KvReply.Error(KvErrors.Syntax);
            }
            if (endGiven)
            {
                if (!RedisNumbers.TryParseInt64(range[1], out end))
                {
                    return KvReply.Error(KvErrors.NotInteger);
                }
            }
            else
            {
                end = isBit ? (length << 3) + 7 : length - 1;
            }
            (start, end) = Clamp(start, end, isBit ? length << 3 : length);
        }
        if (start > end)
        {
            return KvReply.Int(-1);
        }
        var (firstBit, lastBit) = isBit ? (start, end) : (start << 3, (end << 3) + 7);
        if (Find(p, target, firstBit, lastBit) is { } found)
        {
            return KvReply.Int(found);
        }
        // Clear bits past the string count as found unless an end bounded the search (a range of ones has none).
        if (target == 0 && !endGiven)
        {
            return KvReply.Int(((lastBit >> 3) + 1) << 3);
        }
        return KvReply.Int(-1);
    }

    /// <summary>The first bit equal to <paramref name="target"/> in [first, last]: edges bit by bit, whole bytes skipped.</summary>
    private static long? Find(ReadOnlySpan<byte> p, int target, long first, long last)
    {
        var bit = first;
        for (; bit <= last && (bit & 7) != 0; bit++)
        {
            if (Bit(p, bit) == target)
            {
                return bit;
            }
        }
        var wholeBytes = (last + 1 - bit) >> 3;
        if (wholeBytes > 0)
        {
            var skip = (byte)(target == 1 ? 0x00 : 0xFF);
            var at = p.Slice((int)(bit >> 3), (int)wholeBytes).IndexOfAnyExcept(skip);
            bit = at < 0 ? bit + (wholeBytes << 3) : bit + ((long)at << 3);
        }
        for (; bit <= last; bit++)
        {
            if (Bit(p, bit) == target)
            {
                return bit;
            }
        }
        return null;
    }

    private static bool TryUnit(byte[][] range, int at, out bool isBit)
    {
        isBit = false;
        if (range.Length <= at)
        {
            return true;
        }
        isBit = ScanSyntax.Is(range[at], "BIT");
        return isBit || ScanSyntax.Is(range[at], "BYTE");
    }

    /// <summary>Negative indexes from the end, then both clamped into [0, total - 1]; first &gt; last means empty.</summary>
    private static (long First, long Last) Clamp(long start, long end, long total)
    {
        if (start < 0)
        {
            start = total + start;
        }
        if (end < 0)
        {
            end = total + end;
        }
        start = Math.Max(start, 0);
        end = Math.Max(end, 0);
        return (start, Math.Min(end, total - 1));
    }

    public static int Bit(ReadOnlySpan<byte> p, long bit) => (p[(int)(bit >> 3)] >> (7 - (int)(bit & 7))) & 1;

    public static long PopCount(ReadOnlySpan<byte> p)
    {
        long count = 0;
        while (p.Length >= 8)
        {
            count += BitOperations.PopCount(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(p));
            p = p[8..];
        }
        foreach (var b in p)
        {
            count += BitOperations.PopCount(b);
        }
        return count;
    }
}
