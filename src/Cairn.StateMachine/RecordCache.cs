using System.Collections.Concurrent;
using Cairn.Storage;

namespace Cairn.StateMachine;

/// <summary>
/// Recently read records by data key, kept current as writes replace them, so hot reads skip RocksDB's
/// memtable and block search. It only ever holds what is committed:
/// <list type="bullet">
/// <item>The applier brackets each engine write with <see cref="BeginWrite"/>/<see cref="EndWrite"/> (the
/// epoch is odd meanwhile): it withdraws the batch's keys before writing and installs their new records
/// after, so while the engine is ahead of the cache those keys are read from the engine.</item>
/// <item>A reader that missed may add what it read from the engine, but only if the epoch has not moved
/// since before its read (checked under the lock that starts a write): otherwise a batch may have
/// replaced the record it saw.</item>
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
    private readonly Lock _fillLock = new();
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
        bool added;
        lock (_fillLock)
        {
            // Unchanged epoch: no batch began since the read, so no write reached the engine meanwhile and
            // the record is current. Checked and added under the lock BeginWrite takes, so no reader ever
            // sees a record a batch has already replaced.
            added = Interlocked.Read(ref _epoch) == epoch && _entries.TryAdd(key, record);
        }
        if (added)
        {
            Added(key.Length + record.Length);
        }
        return record;
    }

    /// <summary>The cached record under <paramref name="dataKey"/>, never reading the engine (a cached record is at most <see cref="MaxRecordBytes"/>).</summary>
    public bool TryGetCached(ReadOnlySpan<byte> dataKey, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? record)
    {
        if (Enabled && _lookup.TryGetValue(dataKey, out record))
        {
            Interlocked.Increment(ref _hits);
            return true;
        }
        record = null;
        return false;
    }

    /// <summary>
    /// The record under <paramref name="dataKey"/> for the applier: from the cache when there, else from the
    /// engine without caching it (a written key enters the cache only once somebody reads it).
    /// </summary>
    public byte[]? Peek(IKvEngine engine, KvSpace space, ReadOnlySpan<byte> dataKey) =>
        Enabled && _lookup.TryGetValue(dataKey, out var cached) ? cached : engine.Get(space, dataKey);

    /// <summary>
    /// Moves at the start and end of every engine write the applier makes (odd while one is in progress): reads made
    /// while it stayed the same, and even, all saw one state of the store.
    /// </summary>
    public long WriteEpoch => Interlocked.Read(ref _epoch);

    /// <summary>Starts a write bracket: from here until <see cref="EndWrite"/> no reader adds what it read.</summary>
    public void BeginWrite()
    {
        lock (_fillLock)
        {
            Interlocked.Increment(ref _epoch);
        }
    }

    /// <summary>Ends a write bracket; safe to call whether or not the batch reached the engine.</summary>
    public void EndWrite()
    {
        if ((Interlocked.Read(ref _epoch) & 1) != 0)
        {
            Interlocked.Increment(ref _epoch);
        }
    }

    /// <summary>
    /// Takes out a key a batch is about to write, inside the write bracket and before the engine write: from
    /// then until the batch is in the engine no reader finds it here, so none can be served the old record
    /// after another has read the new one from the engine. True when the key was cached.
    /// </summary>
    public bool Withdraw(byte[] dataKey)
    {
        if (!Enabled || !_entries.TryRemove(dataKey, out var old))
        {
            return false;
        }
        Interlocked.Add(ref _bytes, -(dataKey.Length + old.Length + EntryOverhead));
        return true;
    }

    /// <summary>
    /// Puts back a withdrawn key with what the batch, now in the engine, wrote (null = deleted: stays out).
    /// Only withdrawn keys come back, so writes alone do not fill the cache (nor keep the garbage collector
    /// copying records nobody reads).
    /// </summary>
    public void Install(byte[] dataKey, byte[]? record)
    {
        if (record is not null && record.Length <= MaxRecordBytes && _entries.TryAdd(dataKey, record))
        {
            // Readers add nothing while the bracket is open, so the withdrawn key is still free.
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
