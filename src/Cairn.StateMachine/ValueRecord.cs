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
/// | revision (8, the log index that last modified the key) | payload. For a string the payload is its bytes;
/// other types will keep their metadata here and their elements under sub-keys.
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
