using Cairn.Storage;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    /// <summary>Most keys one range page returns.</summary>
    public const int MaxRangeLimit = 10_000;

    /// <summary>A string key with its revision and expiry: [value, revision, expireAt] (0 = no expiry), or null.</summary>
    private KvReply GetRecord(ReadOnlySpan<byte> key, long now)
    {
        var record = ReadLive(key, now);
        if (record is null)
        {
            return KvReply.Null;
        }
        if (ValueRecord.Type(record) != ValueType.String)
        {
            return KvReply.Error(KvErrors.WrongType);
        }
        return KvReply.Array([KvReply.Bulk(ValueRecord.PayloadMemory(record)), KvReply.Int(ValueRecord.Revision(record)), KvReply.Int(ValueRecord.ExpireAt(record))]);
    }

    /// <summary>
    /// Live keys that start with Args[0] and sort after Args[1] (when not empty), in byte order, at most
    /// Number of them: [[items...], cursor], where the cursor (the last key returned) is null when nothing
    /// follows. Each item is [key, value, revision, expireAt] of a string, or [key] of a key of any type with
    /// <see cref="KvFlags.KeysOnly"/> (a collection has no single value: with values, only strings are listed).
    /// Each record is read as committed when it is reached, not as one snapshot across the page.
    /// </summary>
    private KvReply Range(KvCommand c, long now)
    {
        var prefix = c.Args[0];
        var after = c.Args[1];
        var limit = (int)Math.Clamp(c.Number, 1, MaxRangeLimit);
        var keysOnly = c.Has(KvFlags.KeysOnly);
        var start = KeyCodec.NameKey(prefix);
        if (after.Length > 0 && after.AsSpan().SequenceCompareTo(prefix) >= 0)
        {
            // The first name after `after`: `after` followed by a zero byte.
            start = KeyCodec.NameKey([.. after, 0]);
        }
        var items = new List<KvReply>();
        byte[]? last = null;
        var more = false;
        using var iterator = _engine.NewIterator(KvSpace.Names);
        for (iterator.Seek(start); iterator.Valid; iterator.Next())
        {
            var name = iterator.Key;
            if (name.Length == 0 || name[0] != KeyCodec.RecordPrefix || !name[1..].StartsWith(prefix))
            {
                break;
            }
            if (items.Count == limit)
            {
                more = true;
                break;
            }
            var key = name[1..].ToArray();
            var record = ReadLive(key, now);
            if (record is null || (!keysOnly && ValueRecord.Type(record) != ValueType.String))
            {
                continue;
            }
            items.Add(keysOnly
                ? KvReply.Array([KvReply.Bulk(key)])
                : KvReply.Array([KvReply.Bulk(key), KvReply.Bulk(ValueRecord.PayloadMemory(record)), KvReply.Int(ValueRecord.Revision(record)), KvReply.Int(ValueRecord.ExpireAt(record))]));
            last = key;
        }
        return KvReply.Array([KvReply.Array([.. items]), more && last is not null ? KvReply.Bulk(last) : KvReply.Null]);
    }
}
