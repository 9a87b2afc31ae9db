namespace Cairn.StateMachine.Collections;

/// <summary>
/// A collection's header as a command works on it (see <see cref="ValueRecord"/>): its key, type, version (under
/// which its members are stored), size, expiry and, for a list, head and tail. Reads take it from the record;
/// writes change <see cref="Size"/> (and head, tail) as they add and remove members, then save it.
/// </summary>
internal sealed class Collection
{
    private byte[]? _prefix;

    private Collection(byte[] key, ValueType type, long version, long size, long expireAt, long head, long tail, bool existed, bool replaces = false, bool wide = false)
    {
        Wide = wide;
        Replaces = replaces;
        Key = key;
        Type = type;
        Version = version;
        Size = size;
        ExpireAt = expireAt;
        Head = head;
        Tail = tail;
        Existed = existed;
    }

    public static Collection FromRecord(byte[] key, byte[] record)
    {
        var type = ValueRecord.Type(record);
        var payload = ValueRecord.Payload(record);
        long head = 0, tail = 0;
        if (payload.Length >= 32)
        {
            head = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(payload[16..]);
            tail = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(payload[24..]);
        }
        else if (type == ValueType.ZSet)
        {
            // A sorted set's header from before its score bounds: nothing known.
            (head, tail) = (BitConverter.DoubleToInt64Bits(double.NegativeInfinity), BitConverter.DoubleToInt64Bits(double.PositiveInfinity));
        }
        return new Collection(key, type, ValueRecord.Version(record), ValueRecord.Size(record), ValueRecord.ExpireAt(record), head, tail, existed: true, wide: ValueRecord.IsWide(record));
    }

    /// <summary>A collection the current entry creates: its version is the entry's index.</summary>
    public static Collection New(byte[] key, ValueType type, long version) => new(key, type, version, 0, 0, EmptyHead(type), EmptyTail(type), existed: false);

    /// <summary>A collection the current entry makes in place of whatever the key holds (SINTERSTORE...): saved empty, it deletes the key.</summary>
    public static Collection Replacing(byte[] key, ValueType type, long version) => new(key, type, version, 0, 0, EmptyHead(type), EmptyTail(type), existed: false, replaces: true);

    // An empty sorted set's score bounds: none yet (floor +inf, ceiling -inf), so its first member sets both.
    private static long EmptyHead(ValueType type) => type == ValueType.ZSet ? BitConverter.DoubleToInt64Bits(double.PositiveInfinity) : 0;

    private static long EmptyTail(ValueType type) => type == ValueType.ZSet ? BitConverter.DoubleToInt64Bits(double.NegativeInfinity) : 0;

    /// <summary>Whether saving it replaces what the key held, even when it ends empty.</summary>
    public bool Replaces { get; }

    public byte[] Key { get; }

    public ValueType Type { get; }

    public long Version { get; }

    public long Size { get; set; }

    public long ExpireAt { get; }

    /// <summary>A list's first element's position.</summary>
    public long Head { get; set; }

    /// <summary>One past a list's last element's position.</summary>
    public long Tail { get; set; }

    /// <summary>
    /// A sorted set's score floor: no member scores below it (kept in the head's slot). Pops from the low end raise
    /// it, so the next one seeks past the tombstones of those before instead of stepping over each.
    /// </summary>
    public double ScoreFloor
    {
        get => BitConverter.Int64BitsToDouble(Head);
        set => Head = BitConverter.DoubleToInt64Bits(value);
    }

    /// <summary>A sorted set's score ceiling: no member scores above it (kept in the tail's slot).</summary>
    public double ScoreCeiling
    {
        get => BitConverter.Int64BitsToDouble(Tail);
        set => Tail = BitConverter.DoubleToInt64Bits(value);
    }

    /// <summary>Whether the key held this collection before the command (false: the command creates it).</summary>
    public bool Existed { get; }

    /// <summary>Where its members live: <see cref="KeyCodec.MembersPrefix"/>.</summary>
    public byte[] Prefix => _prefix ??= KeyCodec.MembersPrefix(Key, Version);

    /// <summary>Whether it has left Redis's compact encoding (<see cref="ValueRecord.IsWide"/>).</summary>
    public bool Wide { get; private set; }

    /// <summary>
    /// Redis 7.0's thresholds (hash-max-listpack-entries 128, set-max-intset-entries 512, zset-max-listpack-entries
    /// 128): past them a collection takes its wide encoding and keeps it.
    /// </summary>
    private long CompactLimit => Type switch { ValueType.Hash or ValueType.ZSet => 128, ValueType.Set => 512, _ => long.MaxValue };

    /// <summary>
    /// Notes a member written (and a hash field's value): longer than 64 bytes (hash-max-listpack-value,
    /// zset-max-listpack-value), or for a set no integer, it makes the collection wide for good.
    /// </summary>
    public void Note(ReadOnlySpan<byte> member, int valueLength = 0)
    {
        Wide |= Type switch
        {
            ValueType.Set => !RedisNumbers.TryParseInt64(member, out _),
            ValueType.Hash => member.Length > 64 || valueLength > 64,
            ValueType.ZSet => member.Length > 64,
            _ => false,
        };
    }

    public byte[] ToRecord(long revision) =>
        ValueRecord.CreateCollection(Type, ExpireAt, revision, Version, Size, Head, Tail, Wide || Size > CompactLimit);
}
