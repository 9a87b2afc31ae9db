using Cairn.Storage;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    /// <summary>
    /// Answers a read-only command from committed state as of <paramref name="now"/> (Unix ms):
    /// keys whose expiry has passed read as absent. Safe to call concurrently with Apply. Total, as Apply is:
    /// a command that breaks its op's rules, or whose read fails, gets an error reply; nothing throws.
    /// </summary>
    public KvReply Query(KvCommand c, long now)
    {
        if (KvCommandRules.Check(c) is { } error)
        {
            return KvReply.Error(error);
        }
        try
        {
            return Answer(c, now);
        }
        catch (StorageException ex)
        {
            return KvReply.Error($"ERR the store could not be read: {ex.Message}");
        }
        catch (Exception ex) when (IsCommandFault(ex))
        {
            return KvReply.Error($"ERR internal error reading ({ex.GetType().Name})");
        }
    }

    /// <summary>
    /// Answers a GET from the record cache alone, when the record is there: bounded work (a cached record is small, no
    /// engine read), so a caller that must not wait on the store — the Raft thread — may serve it in place. False
    /// when the answer needs the store; then use <see cref="Query"/>.
    /// </summary>
    public bool TryQueryFromCache(KvCommand c, long now, out KvReply reply)
    {
        reply = default;
        if (c.Op != KvOp.Get || c.Args.Length != 1)
        {
            return false;
        }
        var userKey = c.Args[0];
        var length = userKey.Length + KeyCodec.DataKeyOverhead;
        Span<byte> dataKey = length <= 256 ? stackalloc byte[length] : new byte[length];
        KeyCodec.WriteDataKey(userKey, dataKey);
        if (!_cache.TryGetCached(dataKey, out var record))
        {
            return false;
        }
        reply = GetReply(ValueRecord.IsExpired(record, now) ? null : record);
        return true;
    }

    private KvReply Answer(KvCommand c, long now) => c.Op switch
    {
        KvOp.Get => GetString(c.Args[0], now),
        KvOp.MGet => MGet(ReadMany(c.Args, now)),
        KvOp.StrLen => StrLen(c, now),
        KvOp.GetRange => GetRange(c, now),
        KvOp.Exists => KvReply.Int(c.Args.Length == 1 ? (ReadLive(c.Args[0], now) is null ? 0 : 1) : ReadMany(c.Args, now).Count(r => r is not null)),
        KvOp.Type => KvReply.Simple(ReadLive(c.Args[0], now) is { } r ? ValueRecord.TypeName(ValueRecord.Type(r)) : "none"),
        KvOp.Ttl => Ttl(c, now),
        KvOp.ExpireTime => ExpireTime(c, now),
        KvOp.Keys => Keys(c, now),
        KvOp.Scan => Scan(c, now),
        KvOp.RandomKey => RandomKey(now),
        KvOp.DbSize => KvReply.Int(KeyCount),
        KvOp.GetRecord => GetRecord(c.Args[0], now),
        KvOp.Range => Range(c, now),
        KvOp.ObjectInfo => ObjectInfo(c, now),
        _ when KvFamilies.Of(c.Op) is { } family => InSnapshot(c, now, family.Answer),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a query"),
    };

    /// <summary>A family's read, on one engine snapshot.</summary>
    private KvReply InSnapshot(KvCommand c, long now, Func<Collections.IReadView, KvCommand, KvReply> read)
    {
        using var view = new Collections.SnapshotView(_engine.NewSnapshot(), now);
        return read(view, c);
    }

    private byte[]? ReadLive(ReadOnlySpan<byte> userKey, long now)
    {
        var length = userKey.Length + KeyCodec.DataKeyOverhead;
        var dataKey = length <= 256 ? stackalloc byte[length] : new byte[length];
        KeyCodec.WriteDataKey(userKey, dataKey);
        var record = _cache.Get(_engine, KvSpace.Data, dataKey);
        return record is null || ValueRecord.IsExpired(record, now) ? null : record;
    }

    private KvReply GetString(ReadOnlySpan<byte> key, long now) => GetReply(ReadLive(key, now));

    /// <summary>GET's reply for a live record (null: absent or expired).</summary>
    private static KvReply GetReply(byte[]? live) =>
        live is null ? KvReply.Null
        : ValueRecord.Type(live) == ValueType.String ? KvReply.Bulk(ValueRecord.PayloadMemory(live))
        : KvReply.Error(KvErrors.WrongType);

    private static KvReply MGet(byte[]?[] records)
    {
        var items = new KvReply[records.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var record = records[i];
            items[i] = record is not null && ValueRecord.Type(record) == ValueType.String
                ? KvReply.Bulk(ValueRecord.PayloadMemory(record))
                : KvReply.Null;
        }
        return KvReply.Array(items);
    }

    /// <summary>Attempts at reading several keys between two engine writes before falling back on a snapshot.</summary>
    private const int ConsistentReadAttempts = 3;

    /// <summary>
    /// The live records of several keys as of one state of the store, never half of a batch (an MGET never sees
    /// part of an MSET): read through the cache while no batch is written meanwhile, else from an engine snapshot.
    /// </summary>
    private byte[]?[] ReadMany(byte[][] keys, long now)
    {
        var records = new byte[]?[keys.Length];
        for (var attempt = 0; attempt < ConsistentReadAttempts; attempt++)
        {
            var epoch = _cache.WriteEpoch;
            if ((epoch & 1) != 0)
            {
                Thread.Yield();
                continue;
            }
            for (var i = 0; i < keys.Length; i++)
            {
                records[i] = ReadLive(keys[i], now);
            }
            if (_cache.WriteEpoch == epoch)
            {
                return records;
            }
        }
        using var snapshot = _engine.NewSnapshot();
        for (var i = 0; i < keys.Length; i++)
        {
            var record = snapshot.Get(KvSpace.Data, KeyCodec.DataKey(keys[i]));
            records[i] = record is null || ValueRecord.IsExpired(record, now) ? null : record;
        }
        return records;
    }

    private KvReply StrLen(KvCommand c, long now)
    {
        var record = ReadLive(c.Args[0], now);
        if (record is null)
        {
            return KvReply.Int(0);
        }
        return ValueRecord.Type(record) == ValueType.String
            ? KvReply.Int(record.Length - ValueRecord.HeaderSize)
            : KvReply.Error(KvErrors.WrongType);
    }

    private KvReply GetRange(KvCommand c, long now)
    {
        var record = ReadLive(c.Args[0], now);
        if (record is null)
        {
            return KvReply.EmptyBulk;
        }
        if (ValueRecord.Type(record) != ValueType.String)
        {
            return KvReply.Error(KvErrors.WrongType);
        }
        long length = record.Length - ValueRecord.HeaderSize, start = c.Number, end = c.Number2;
        // t_string.c getrangeCommand, Redis 7.0.
        if (start < 0 && end < 0 && start > end)
        {
            return KvReply.EmptyBulk;
        }
        if (start < 0)
        {
            start = length + start;
        }
        if (end < 0)
        {
            end = length + end;
        }
        start = Math.Max(start, 0);
        end = Math.Max(end, 0);
        if (end >= length)
        {
            end = length - 1;
        }
        if (start > end || length == 0)
        {
            return KvReply.EmptyBulk;
        }
        return KvReply.Bulk(record.AsMemory(ValueRecord.HeaderSize + (int)start, (int)(end - start + 1)));
    }

    private KvReply Ttl(KvCommand c, long now)
    {
        var record = ReadLive(c.Args[0], now);
        if (record is null)
        {
            return KvReply.Int(-2);
        }
        var expireAt = ValueRecord.ExpireAt(record);
        if (expireAt == 0)
        {
            return KvReply.Int(-1);
        }
        var ttl = Math.Max(expireAt - now, 0);
        return KvReply.Int(c.Has(KvFlags.Milliseconds) ? ttl : (ttl + 500) / 1000);
    }

    private KvReply ExpireTime(KvCommand c, long now)
    {
        var record = ReadLive(c.Args[0], now);
        if (record is null)
        {
            return KvReply.Int(-2);
        }
        var expireAt = ValueRecord.ExpireAt(record);
        if (expireAt == 0)
        {
            return KvReply.Int(-1);
        }
        return KvReply.Int(c.Has(KvFlags.Milliseconds) ? expireAt : expireAt / 1000);
    }

    private KvReply Keys(KvCommand c, long now)
    {
        var pattern = c.Args[0];
        var all = pattern is [(byte)'*'];
        var found = new List<KvReply>();
        using var iterator = _engine.NewIterator(KvSpace.Data);
        for (iterator.Seek(KeyCodec.RecordsStart); iterator.Valid && KeyCodec.IsRecordKey(iterator.Key); iterator.Next())
        {
            var userKey = KeyCodec.UserKey(iterator.Key);
            if (!ValueRecord.IsExpired(iterator.Value, now) && (all || GlobPattern.IsMatch(pattern, userKey)))
            {
                found.Add(KvReply.Bulk(userKey.ToArray()));
            }
        }
        return KvReply.Array([.. found]);
    }

    /// <summary>
    /// SCAN in hash order: the cursor is the next key hash to visit (0 = start and end). COUNT bounds
    /// the records examined, but a run of keys sharing one hash is never split, so no key is skipped.
    /// </summary>
    private KvReply Scan(KvCommand c, long now)
    {
        var pattern = c.Args[0];
        var type = c.Args[1];
        var count = c.Number2;
        var found = new List<KvReply>();
        long next = 0, examined = 0, lastHash = -1;
        using var iterator = _engine.NewIterator(KvSpace.Data);
        for (iterator.Seek(KeyCodec.HashSeekKey(c.Number)); iterator.Valid && KeyCodec.IsRecordKey(iterator.Key); iterator.Next())
        {
            var key = iterator.Key;
            var hash = KeyCodec.HashOf(key);
            if (examined >= count && hash != lastHash)
            {
                next = hash;
                break;
            }
            examined++;
            lastHash = hash;
            var record = iterator.Value;
            var userKey = KeyCodec.UserKey(key);
            if (ValueRecord.IsExpired(record, now)
                || (type.Length > 0 && !type.AsSpan().SequenceEqual(System.Text.Encoding.ASCII.GetBytes(ValueRecord.TypeName(ValueRecord.Type(record)))))
                || (pattern.Length > 0 && !GlobPattern.IsMatch(pattern, userKey)))
            {
                continue;
            }
            found.Add(KvReply.Bulk(userKey.ToArray()));
        }
        return KvReply.Array([KvReply.Bulk(next.ToString()), KvReply.Array([.. found])]);
    }

    private KvReply RandomKey(long now)
    {
        if (KeyCount == 0)
        {
            return KvReply.Null;
        }
        using var iterator = _engine.NewIterator(KvSpace.Data);
        iterator.Seek(KeyCodec.HashSeekKey(Random.Shared.NextInt64(1, long.MaxValue)));
        // Like Redis, give up after a bounded number of expired candidates.
        for (var tries = 0; tries < 100; tries++)
        {
            if (!iterator.Valid || !KeyCodec.IsRecordKey(iterator.Key))
            {
                iterator.Seek(KeyCodec.RecordsStart);
                if (!iterator.Valid || !KeyCodec.IsRecordKey(iterator.Key))
                {
                    return KvReply.Null;
                }
            }
            if (!ValueRecord.IsExpired(iterator.Value, now))
            {
                return KvReply.Bulk(KeyCodec.UserKey(iterator.Key).ToArray());
            }
            iterator.Next();
        }
        return KvReply.Null;
    }
}
