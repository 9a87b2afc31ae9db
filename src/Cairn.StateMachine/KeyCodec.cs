using System.Buffers.Binary;
using System.IO.Hashing;

namespace Cairn.StateMachine;

/// <summary>
/// Physical keys. A user key k lives in the data space under 0x01 | h(k) (8 bytes, big-endian) | k,
/// where h is XxHash64 folded to [1, 2^63 - 1]. Ordering by hash gives SCAN an integer cursor that
/// stays valid across writes (the cursor is the next hash to visit, as in Redis's reverse-binary
/// cursor) and gives RANDOMKEY one seek. Prefix 0x01 leaves 0x02.. free for the sub-keys of
/// hashes, lists, sets and sorted sets. Expiry index keys are expireAt (8 bytes, big-endian) | k.
/// These formats are on disk: changing them needs a migration.
/// </summary>
public static class KeyCodec
{
    public const byte RecordPrefix = 0x01;
    public const int DataKeyOverhead = 9;

    public static readonly byte[] AppliedIndexKey = "applied_index"u8.ToArray();
    public static readonly byte[] AppliedTimeKey = "applied_time"u8.ToArray();
    public static readonly byte[] KeyCountKey = "key_count"u8.ToArray();
    public static readonly byte[] ExpiresCountKey = "expires_count"u8.ToArray();

    /// <summary>Meta: the oldest revision whose events are all kept (history below it is trimmed).</summary>
    public static readonly byte[] EventsFloorKey = "events_floor"u8.ToArray();

    /// <summary>Meta: present once every stored key has its entry in the names space.</summary>
    public static readonly byte[] NamesIndexedKey = "names_indexed"u8.ToArray();

    /// <summary>Bounds of the names space: a user key k is indexed under 0x01 | k.</summary>
    public static readonly byte[] NamesStart = [RecordPrefix];
    public static readonly byte[] NamesEnd = [RecordPrefix + 1];

    /// <summary>Bounds of all records, for range deletion: [0x01, 0x02).</summary>
    public static readonly byte[] RecordsStart = [RecordPrefix];
    public static readonly byte[] RecordsEnd = [RecordPrefix + 1];

    /// <summary>Bounds of the whole expiry index: expiry times are positive, so their top bit is clear.</summary>
    public static readonly byte[] ExpiryStart = new byte[8];
    public static readonly byte[] ExpiryEnd = [0x80, 0, 0, 0, 0, 0, 0, 0];

    public static long Hash(ReadOnlySpan<byte> userKey)
    {
        var folded = (long)(XxHash64.HashToUInt64(userKey) >> 1);
        return folded == 0 ? 1 : folded;
    }

    public static byte[] DataKey(ReadOnlySpan<byte> userKey)
    {
        var key = new byte[userKey.Length + DataKeyOverhead];
        WriteDataKey(userKey, key);
        return key;
    }

    public static void WriteDataKey(ReadOnlySpan<byte> userKey, Span<byte> destination)
    {
        destination[0] = RecordPrefix;
        BinaryPrimitives.WriteInt64BigEndian(destination[1..], Hash(userKey));
        userKey.CopyTo(destination[DataKeyOverhead..]);
    }

    /// <summary>The first data key with hash ≥ <paramref name="hash"/>.</summary>
    public static byte[] HashSeekKey(long hash)
    {
        var key = new byte[DataKeyOverhead];
        key[0] = RecordPrefix;
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(1), hash);
        return key;
    }

    public static byte[] NameKey(ReadOnlySpan<byte> userKey)
    {
        var key = new byte[userKey.Length + 1];
        key[0] = RecordPrefix;
        userKey.CopyTo(key.AsSpan(1));
        return key;
    }

    /// <summary>Event keys: revision (8, big-endian) | ordinal within the revision (4, big-endian), so history reads in order.</summary>
    public static byte[] EventKey(long revision, int ordinal)
    {
        var key = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(key, revision);
        BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(8), ordinal);
        return key;
    }

    public static long EventRevision(ReadOnlySpan<byte> eventKey) => BinaryPrimitives.ReadInt64BigEndian(eventKey);

    /// <summary>
    /// Where a collection's members live in the members space (and its scores in the scores space): h(k) (8, big-endian)
    /// | length of k (4, big-endian) | k | version (8, big-endian) | then the member's own part. The length keeps one
    /// key's prefix from being another's; the version keeps a deleted collection's members, range-deleted in the
    /// batch that removed it, apart from those of a key of the same name created later.
    /// </summary>
    public static byte[] MembersPrefix(ReadOnlySpan<byte> userKey, long version)
    {
        var prefix = new byte[8 + 4 + userKey.Length + 8];
        BinaryPrimitives.WriteInt64BigEndian(prefix, Hash(userKey));
        BinaryPrimitives.WriteInt32BigEndian(prefix.AsSpan(8), userKey.Length);
        userKey.CopyTo(prefix.AsSpan(12));
        BinaryPrimitives.WriteInt64BigEndian(prefix.AsSpan(12 + userKey.Length), version);
        return prefix;
    }

    /// <summary>The first key after every key that starts with <paramref name="prefix"/> (for a range deletion).</summary>
    public static byte[] PrefixEnd(ReadOnlySpan<byte> prefix)
    {
        var end = prefix.ToArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            end[i] = unchecked((byte)(end[i] + 1));
            if (end[i] != 0)
            {
                return end;
            }
        }
        throw new ArgumentException("a prefix of 0xff bytes has no end", nameof(prefix));
    }

    public static bool IsRecordKey(ReadOnlySpan<byte> dataKey) => dataKey.Length >= DataKeyOverhead && dataKey[0] == RecordPrefix;

    public static long HashOf(ReadOnlySpan<byte> dataKey) => BinaryPrimitives.ReadInt64BigEndian(dataKey[1..]);

    public static ReadOnlySpan<byte> UserKey(ReadOnlySpan<byte> dataKey) => dataKey[DataKeyOverhead..];

    public static byte[] ExpiryKey(long expireAt, ReadOnlySpan<byte> userKey)
    {
        var key = new byte[8 + userKey.Length];
        BinaryPrimitives.WriteInt64BigEndian(key, expireAt);
        userKey.CopyTo(key.AsSpan(8));
        return key;
    }

    public static long ExpiryOf(ReadOnlySpan<byte> expiryKey) => BinaryPrimitives.ReadInt64BigEndian(expiryKey);
}
