using System.Buffers.Binary;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// The member part of the physical keys under a collection's prefix (<see cref="KeyCodec.MembersPrefix"/>).
/// Hash fields, set members and sorted-set members: h(member) (8, big-endian; <see cref="KeyCodec.Hash"/>) | member,
/// so members iterate in hash order and HSCAN, SSCAN and ZSCAN get an integer cursor that stays valid across writes
/// (the next hash to visit), and a random member is one seek. List elements: their position (8, big-endian, sign
/// bit flipped so that negative positions sort first). Sorted-set scores (scores space): sortable score (8) |
/// member. These formats are on disk.
/// </summary>
internal static class MemberKeys
{
    public const int HashSize = 8;

    public static byte[] Hashed(byte[] prefix, ReadOnlySpan<byte> member)
    {
        var key = new byte[prefix.Length + HashSize + member.Length];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(prefix.Length), KeyCodec.Hash(member));
        member.CopyTo(key.AsSpan(prefix.Length + HashSize));
        return key;
    }

    /// <summary>The first hashed member key with hash ≥ <paramref name="hash"/>.</summary>
    public static byte[] HashSeek(byte[] prefix, long hash)
    {
        var key = new byte[prefix.Length + HashSize];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(prefix.Length), hash);
        return key;
    }

    public static ReadOnlySpan<byte> MemberOf(ReadOnlySpan<byte> hashedKey, int prefixLength) => hashedKey[(prefixLength + HashSize)..];

    public static long HashOf(ReadOnlySpan<byte> hashedKey, int prefixLength) => BinaryPrimitives.ReadInt64BigEndian(hashedKey[prefixLength..]);

    public static byte[] Position(byte[] prefix, long position)
    {
        var key = new byte[prefix.Length + 8];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(prefix.Length), unchecked((ulong)position ^ (1UL << 63)));
        return key;
    }

    public static long PositionOf(ReadOnlySpan<byte> key, int prefixLength) =>
        unchecked((long)(BinaryPrimitives.ReadUInt64BigEndian(key[prefixLength..]) ^ (1UL << 63)));

    /// <summary>A score as 8 bytes whose unsigned order is the numbers' order (-0 sorts as 0).</summary>
    public static void WriteSortable(double score, Span<byte> destination)
    {
        var bits = unchecked((ulong)BitConverter.DoubleToInt64Bits(score == 0 ? 0.0 : score));
        bits = (bits & (1UL << 63)) != 0 ? ~bits : bits | (1UL << 63);
        BinaryPrimitives.WriteUInt64BigEndian(destination, bits);
    }

    public static double ReadSortable(ReadOnlySpan<byte> source)
    {
        var bits = BinaryPrimitives.ReadUInt64BigEndian(source);
        bits = (bits & (1UL << 63)) != 0 ? bits & ~(1UL << 63) : ~bits;
        return BitConverter.Int64BitsToDouble(unchecked((long)bits));
    }

    public static byte[] Score(byte[] prefix, double score, ReadOnlySpan<byte> member)
    {
        var key = new byte[prefix.Length + 8 + member.Length];
        prefix.CopyTo(key, 0);
        WriteSortable(score, key.AsSpan(prefix.Length));
        member.CopyTo(key.AsSpan(prefix.Length + 8));
        return key;
    }
}
