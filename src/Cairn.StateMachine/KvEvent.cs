using System.Buffers.Binary;

namespace Cairn.StateMachine;

/// <summary>What a committed change did to one key (or, for <see cref="Flush"/>, to every key).</summary>
public enum KvEventKind : byte
{
    Put = 1,
    Delete = 2,

    /// <summary>FLUSHALL: every key was deleted at this revision.</summary>
    Flush = 3,
}

/// <summary>
/// One change in the history watches read. <see cref="Revision"/> is the log index of the entry that made it
/// (several events may share one: MSET, RENAME, expiry batches), <see cref="Value"/> the new value of a put:
/// a string's bytes; empty for a collection (<see cref="Type"/> says which: read its members over RESP).
/// </summary>
public sealed record KvEvent(long Revision, KvEventKind Kind, byte[] Key, byte[]? Value, long ExpireAt, ValueType Type = ValueType.String)
{
    /// <summary>Stored form: kind (1) | key length (4, LE) | key | the new record (puts only).</summary>
    internal static byte[] Encode(KvEventKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> record)
    {
        var value = new byte[5 + key.Length + record.Length];
        value[0] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(1), key.Length);
        key.CopyTo(value.AsSpan(5));
        record.CopyTo(value.AsSpan(5 + key.Length));
        return value;
    }

    internal static KvEvent Decode(long revision, ReadOnlySpan<byte> value)
    {
        var kind = (KvEventKind)value[0];
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(value[1..]);
        var key = value.Slice(5, keyLength).ToArray();
        var record = value[(5 + keyLength)..];
        if (kind != KvEventKind.Put)
        {
            return new KvEvent(revision, kind, key, null, 0);
        }
        var type = ValueRecord.Type(record);
        var bytes = type == ValueType.String ? ValueRecord.Payload(record).ToArray() : [];
        return new KvEvent(revision, kind, key, bytes, ValueRecord.ExpireAt(record), type);
    }
}

/// <summary>Thrown when a watch asks for history older than what the node keeps.</summary>
public sealed class WatchCompactedException(long requested, long oldest)
    : Exception($"revision {requested} is compacted; the oldest revision available is {oldest}")
{
    public long Requested { get; } = requested;

    public long Oldest { get; } = oldest;
}
