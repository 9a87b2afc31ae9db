using System.Collections.Concurrent;
using Cairn.Storage;

namespace Cairn.StateMachine;

/// <summary>
/// Recently read records by data key, kept current as writes replace them, so hot reads skip RocksDB's
/// memtable and block search. It only ever holds what is committed:
/// <list type="bullet">
/// <item>The applier updates it after a batch is in the engine, bracketing the write with
/// <see cref="BeginWrite"/>/<see cref="EndWrite"/> (the epoch is odd while a batch is being written).</item>
/// <item>A reader that missed may add what it read from the engine, but takes its entry back when the
/// epoch moved during its read: a batch may have replaced the record it saw.</item>
/// </list>
/// Size is bounded by bytes (keys plus records, approximately); past the bound entries are evicted.
/// </summary>
public sealed class RecordCache
{
    /// <summary>Records larger than this are not cached: they would evict many small hot ones.</summary>
    public const int MaxRecordBytes = 64 * 1024;
    private const int EntryOverhead = 64;

    private readonly ConcurrentDictionary<byte[], byte[]> _entries = new(ByteArrayComparer.Instance);
    private readonly ConcurrentDictionary<byte[], byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Lock _evictLock = new();
    private long _bytes;
    private long _epoch;
    private long _hits;
    private long _misses;

    private readonly long _capacityBytes;

    /// <param name="capacityBytes">Bound on cached bytes; 0 disables the cache.</param>
    public RecordCache(long capacityBytes)
    {
        _capacityBytes = capacityBytes;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public bool Enabled => _capacityBytes > 0;

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _entries.Count;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The record under <paramref name="dataKey"/>, reading the engine on a miss and keeping what it read.</summary>
    public byte[]? Get(IKvEngine engine, KvSpace space, ReadOnlySpan<byte> dataKey)
    {
        if (!Enabled)
        {
            return engine.Get(space, dataKey);
        }
        if (_lookup.TryGetValue(dataKey, out var cached))
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }
        Interlocked.Increment(ref _misses);
        var epoch = Interlocked.Read(ref _epoch);
        var record = engine.Get(space, dataKey);
        if (record is null || record.Length > MaxRecordBytes || (epoch & 1) != 0)
        {
            return record;
        }
        var key = dataKey.ToArray();
        if (_entries.TryAdd(key, record))
        {
            if (Interlocked.Read(ref _epoch) != epoch)
            {
                // A batch was written meanwhile; what we read may be older than what it wrote.
                if (_entries.TryRemove(new KeyValuePair<byte[], byte[]>(key, record)))
                {
                    return record;
                }
            }
            Added(key.Length + record.Length);
        }
        return record;
    }

    /// <summary>
    /// The record under <paramref name="dataKey"/> for the applier: from the cache when there, else from the
    /// engine without caching it (a written key enters the cache only once somebody reads it).
    /// </summary>
    public byte[]? Peek(IKvEngine engine, KvSpace space, ReadOnlySpan<byte> dataKey) =>
        Enabled && _lookup.TryGetValue(dataKey, out var cached) ? cached : engine.Get(space, dataKey);

    public void BeginWrite() => Interlocked.Increment(ref _epoch);

    /// <summary>Ends a write bracket; safe to call whether or not the batch reached the engine.</summary>
    public void EndWrite()
    {
        if ((Interlocked.Read(ref _epoch) & 1) != 0)
        {
            Interlocked.Increment(ref _epoch);
        }
    }

    /// <summary>
    /// The applier's update for one key written by a batch now in the engine (null = deleted): a cached key
    /// gets its new record; a key not cached stays out, so writes alone do not fill the cache (nor keep the
    /// garbage collector copying records nobody reads).
    /// </summary>
    public void Written(byte[] dataKey, byte[]? record)
    {
        if (!Enabled || !_entries.TryRemove(dataKey, out var old))
        {
            // A reader that slipped an older record in meanwhile takes it back: the epoch moved.
            return;
        }
        Interlocked.Add(ref _bytes, -(dataKey.Length + old.Length + EntryOverhead));
        if (record is not null && record.Length <= MaxRecordBytes)
        {
            // Overwrite: a reader may have slipped an older record in since the removal.
            _entries[dataKey] = record;
            Added(dataKey.Length + record.Length);
        }
    }

    public void Clear()
    {
        _entries.Clear();
        Interlocked.Exchange(ref _bytes, 0);
    }

    private void Added(int size)
    {
        if (Interlocked.Add(ref _bytes, size + EntryOverhead) > _capacityBytes)
        {
            Evict();
        }
    }

    /// <summary>Drops entries until a tenth below capacity. Order is the dictionary's: cheap, not LRU.</summary>
    private void Evict()
    {
        if (!_evictLock.TryEnter())
        {
            return;
        }
        try
        {
            var target = _capacityBytes - _capacityBytes / 10;
            foreach (var entry in _entries)
            {
                if (Interlocked.Read(ref _bytes) <= target)
                {
                    break;
                }
                if (_entries.TryRemove(entry))
                {
                    Interlocked.Add(ref _bytes, -(entry.Key.Length + entry.Value.Length + EntryOverhead));
                }
            }
        }
        finally
        {
            _evictLock.Exit();
        }
    }
}
