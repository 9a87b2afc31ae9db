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

/// <summary>How Redis would hold a string (OBJECT ENCODING, REFCOUNT), by how it was written. The byte values are on disk.</summary>
public enum StringEncoding : byte
{
    /// <summary>Set whole (SET, MSET, INCR...): int when it reads as one (shared below 10000), else embstr up to 44 bytes, else raw.</summary>
    ByValue = 0,

    /// <summary>Changed in place or built by a bit command (APPEND to a key, SETRANGE, SETBIT, BITFIELD, BITOP): raw.</summary>
    InPlace = 1,

    /// <summary>Made from a float (INCRBYFLOAT): embstr up to 44 bytes, else raw, never int.</summary>
    NoInt = 2,

    /// <summary>A copy of a shared integer (COPY): int, one reference.</summary>
    Unshared = 3,
}

/// <summary>
/// The stored form of a key: type (1 byte) | encoding (1, see <see cref="IsWide"/>) | expireAt (8, little-endian Unix ms, 0 = none)
/// | revision (8, the log index that last modified the key) | payload. For a string the payload is its bytes.
/// For a collection it is its header: version (8, the log index that created the key: its members are stored
/// under it, in <see cref="Cairn.Storage.KvSpace.Members"/>, see <see cref="KeyCodec.MembersPrefix"/>) | size (8,
/// its member count) | for a list, head and tail (8 each: the positions of its first element and one past its last);
/// for a sorted set, its score floor and ceiling (8 each, doubles: no member scores outside them; a header of 16
/// bytes, from before them, bounds nothing); for a set, 1 in the head's slot when it keeps its members' positions
/// (Sets/SetPositions), and 0.
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

    /// <summary>
    /// Whether a collection has left Redis's compact encoding, for good as in Redis (OBJECT ENCODING): past its size
    /// or member-length threshold (hashtable, skiplist), or a set holding a non-integer. Records of earlier builds
    /// have 0 here: compact.
    /// </summary>
    public static bool IsWide(ReadOnlySpan<byte> record) => record[1] != 0;

    /// <summary>
    /// Whether a collection keeps keys in the scores space too, under its members' prefix: a sorted set its score
    /// index, a set its members' positions (Sets/SetPositions).
    /// </summary>
    public static bool UsesScores(ReadOnlySpan<byte> record) => Type(record) is ValueType.ZSet or ValueType.Set;

    /// <summary>The encoding byte: for a collection see <see cref="IsWide"/>; for a string a <see cref="StringEncoding"/>.</summary>
    public static StringEncoding EncodingOf(ReadOnlySpan<byte> record) => (StringEncoding)record[1];

    public static long ExpireAt(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[2..]);

    public static long Revision(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[10..]);

    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> record) => record[HeaderSize..];

    public static ReadOnlyMemory<byte> PayloadMemory(byte[] record) => record.AsMemory(HeaderSize);

    public static bool IsCollection(ReadOnlySpan<byte> record) => Type(record) != ValueType.String;

    /// <summary>A collection's record: its header (see the type's summary), no members.</summary>
    public static byte[] CreateCollection(ValueType type, long expireAt, long revision, long version, long size, long head = 0, long tail = 0, bool wide = false)
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
        var record = Create(type, expireAt, revision, header[..(type is ValueType.List or ValueType.ZSet or ValueType.Set ? 32 : 16)]);
        record[1] = wide ? (byte)1 : (byte)0;
        return record;
    }

    /// <summary>The record with another version (COPY: the copy's members are stored under the entry that made it).</summary>
    public static byte[] WithVersion(byte[] record, long version, long revision)
    {
        var copy = (byte[])record.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(10), revision);
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(HeaderSize), version);
        return copy;
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
