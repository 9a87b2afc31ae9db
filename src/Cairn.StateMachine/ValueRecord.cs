using System.Buffers.Binary;

namespace Cairn.StateMachine;

/// <summary>Value types, as TYPE names them. The byte values are on disk.</summary>
public enum ValueType : byte
{
    String = 0,
    Hash = 1,
    List = 2,
    Set = 3,
    ZSet = 4,
}

/// <summary>
/// The stored form of a key: type (1 byte) | reserved (1) | expireAt (8, little-endian Unix ms, 0 = none)
/// | revision (8, the log index that last modified the key) | payload. For a string the payload is its bytes.
/// For a collection it is its header: version (8, the log index that created the key: its members are stored
/// under it, in <see cref="Cairn.Storage.KvSpace.Members"/>, see <see cref="KeyCodec.MembersPrefix"/>) | size (8,
/// its member count) | for a list, head and tail (8 each: the positions of its first element and one past its last).
/// </summary>
public static class ValueRecord
{
    public const int HeaderSize = 18;

    public static byte[] Create(ValueType type, long expireAt, long revision, ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderSize + payload.Length];
        record[0] = (byte)type;
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(2), expireAt);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(10), revision);
        payload.CopyTo(record.AsSpan(HeaderSize));
        return record;
    }

    public static ValueType Type(ReadOnlySpan<byte> record) => (ValueType)record[0];

    public static long ExpireAt(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[2..]);

    public static long Revision(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[10..]);

    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> record) => record[HeaderSize..];

    public static ReadOnlyMemory<byte> PayloadMemory(byte[] record) => record.AsMemory(HeaderSize);

    public static bool IsCollection(ReadOnlySpan<byte> record) => Type(record) != ValueType.String;

    /// <summary>A collection's record: its header (see the type's summary), no members.</summary>
    public static byte[] CreateCollection(ValueType type, long expireAt, long revision, long version, long size, long head = 0, long tail = 0)
    {
        if (type == ValueType.String)
        {
            throw new ArgumentException("a string is not a collection", nameof(type));
        }
        Span<byte> header = stackalloc byte[32];
        BinaryPrimitives.WriteInt64LittleEndian(header, version);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], size);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], head);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], tail);
        return Create(type, expireAt, revision, header[..(type == ValueType.List ? 32 : 16)]);
    }

    /// <summary>A collection's version: the log index that created it, under which its members are stored.</summary>
    public static long Version(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[HeaderSize..]);

    /// <summary>A collection's member count.</summary>
    public static long Size(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[(HeaderSize + 8)..]);

    /// <summary>True when the record has a TTL that has passed at <paramref name="now"/>.</summary>
    public static bool IsExpired(ReadOnlySpan<byte> record, long now)
    {
        var expireAt = ExpireAt(record);
        return expireAt != 0 && expireAt <= now;
    }

    public static string TypeName(ValueType type) => type switch
    {
        ValueType.String => "string",
        ValueType.Hash => "hash",
        ValueType.List => "list",
        ValueType.Set => "set",
        ValueType.ZSet => "zset",
        _ => "none",
    };
}
