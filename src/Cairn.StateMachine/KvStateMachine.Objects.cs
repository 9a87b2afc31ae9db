namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    /// <summary>Redis's OBJECT REFCOUNT for a shared integer (0..9999, OBJ_SHARED_REFCOUNT).</summary>
    private const long SharedRefCount = int.MaxValue;

    private const string NoLfu = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

    /// <summary>
    /// OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ as Redis 7.0 with its default configuration answers them, from the
    /// record: the encoding by Redis's names and thresholds (<see cref="ValueRecord.IsWide"/>); IDLETIME 0, as
    /// Cairn does not track reads (a read on one replica is not replicated); FREQ refused, as Redis without an LFU policy.
    /// </summary>
    private KvReply ObjectInfo(KvCommand c, long now)
    {
        if (ReadLive(c.Args[0], now) is not { } record)
        {
            return KvReply.Null;
        }
        return c.Number switch
        {
            0 => KvReply.Bulk(EncodingName(record)),
            1 => KvReply.Int(IsShared(record) ? SharedRefCount : 1),
            2 => KvReply.Int(0),
            _ => KvReply.Error(NoLfu),
        };
    }

    /// <summary>Whether Redis would hold the value as one of its shared integers (0..9999, set whole).</summary>
    private static bool IsShared(byte[] record) =>
        ValueRecord.EncodingOf(record) == StringEncoding.ByValue && EncodingName(record) == "int"
        && RedisNumbers.TryParseInt64(ValueRecord.Payload(record), out var n) && n is >= 0 and < 10000;

    /// <summary>tryObjectEncoding's and the types' encodings (Redis 7.0: lists are always quicklists).</summary>
    private static string EncodingName(byte[] record)
    {
        var wide = ValueRecord.IsWide(record);
        var value = ValueRecord.Payload(record);
        return ValueRecord.Type(record) switch
        {
            ValueType.String => ValueRecord.EncodingOf(record) switch
            {
                StringEncoding.InPlace => "raw",
                StringEncoding.ByValue or StringEncoding.Unshared when value.Length <= 20 && RedisNumbers.TryParseInt64(value, out _) => "int",
                _ => value.Length <= 44 ? "embstr" : "raw",
            },
            ValueType.Hash => wide ? "hashtable" : "listpack",
            ValueType.Set => wide ? "hashtable" : "intset",
            ValueType.ZSet => wide ? "skiplist" : "listpack",
            _ => "quicklist",
        };
    }
}
