using RocksDbSharp;

namespace Cairn.Storage.RocksDb;

/// <summary>
/// <see cref="IKvEngine"/> on RocksDB: one column family per <see cref="KvSpace"/>. A synced
/// write appends the batch to the WAL and fdatasyncs it before the memtable sees it, so a
/// reader never observes a write that a crash could take back.
/// </summary>
public sealed class RocksKvEngine : IKvEngine
{
    // By KvSpace; a store written before a space existed gets it when opened (create missing column families).
    private static readonly string[] SpaceNames = ["data", "meta", "expiry", "names", "events", "members", "scores"];

    private readonly string _path;
    private readonly DbOptions _dbOptions;
    private readonly ColumnFamilies _columnFamilies;
    // Readers and writers hold it shared; ReplaceWith holds it exclusively while it swaps the database.
    private readonly ReaderWriterLockSlim _swap = new(LockRecursionPolicy.SupportsRecursion);
    private RocksDbSharp.RocksDb _db;
    private ColumnFamilyHandle[] _families;
    private readonly ReadOptions _read = new();
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private readonly WriteOptions _asyncWrite = new WriteOptions().SetSync(false);
    private readonly Cache _blockCache;

    public RocksKvEngine(string path, RocksOptions? options = null)
    {
        options ??= new RocksOptions();
        _path = Path.GetFullPath(path);
        RecoverInterruptedReplace(_path);
        Directory.CreateDirectory(path);
        _blockCache = Cache.CreateLru((ulong)options.BlockCacheBytes);
        var table = new BlockBasedTableOptions()
            .SetBlockCache(_blockCache.Handle)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true)
            .SetFormatVersion(5);
        _dbOptions = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetMaxOpenFiles(options.MaxOpenFiles)
            .SetKeepLogFileNum(5)
            .IncreaseParallelism(Math.Max(2, Environment.ProcessorCount));
        _columnFamilies = new ColumnFamilies();
        foreach (var name in SpaceNames)
        {
            var cf = new ColumnFamilyOptions()
                .SetBlockBasedTableFactory(table)
                .SetWriteBufferSize((ulong)options.WriteBufferBytes)
                .SetCompression(Compression.Lz4)
                .SetLevelCompactionDynamicLevelBytes(true);
            _columnFamilies.Add(name, cf);
        }
        _db = RocksDbSharp.RocksDb.Open(_dbOptions, _path, _columnFamilies);
        _families = SpaceNames.Select(_db.GetColumnFamily).ToArray();
    }

    /// <summary>
    /// ReplaceWith renames the store aside ("db.old"), the new copy into place, then deletes the old one.
    /// After a crash between the renames, the old store is put back (the snapshot will be sent again).
    /// </summary>
    private static void RecoverInterruptedReplace(string path)
    {
        var old = path + ".old";
        if (!Directory.Exists(old))
        {
            return;
        }
        if (Directory.Exists(path))
        {
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(old, path);
        }
    }

    public void Checkpoint(string directory)
    {
        using (Shared())
        {
            // Table files are hard-linked; the memtables travel as copied WAL files (every write goes
            // through the WAL), unless the WAL has grown past 64 MB: then a flush is cheaper than the copy.
            using var checkpoint = _db.Checkpoint();
            checkpoint.Save(directory, 64UL << 20);
        }
    }

    public void ReplaceWith(string directory)
    {
        _swap.EnterWriteLock();
        try
        {
            _db.Dispose();
            try
            {
                var old = _path + ".old";
                Directory.Move(_path, old);
                CrashPoints.Reach("snapshot-renamed");
                Directory.Move(directory, _path);
                FileDurability.SyncDirectory(Path.GetDirectoryName(_path)!);
                _db = RocksDbSharp.RocksDb.Open(_dbOptions, _path, _columnFamilies);
                _families = SpaceNames.Select(_db.GetColumnFamily).ToArray();
                Directory.Delete(old, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or RocksDbException)
            {
                // The store is closed and maybe half-swapped: nothing may use it again in this process. Opening it
                // next time puts the old one back (RecoverInterruptedReplace).
                throw new StorageException($"replacing the store with a checkpoint failed: {ex.Message}", ex);
            }
        }
        finally
        {
            _swap.ExitWriteLock();
        }
    }

    public byte[]? Get(KvSpace space, ReadOnlySpan<byte> key)
    {
        using (Shared())
        {
            try
            {
                return _db.Get(key, _families[(int)space], _read);
            }
            catch (RocksDbException ex)
            {
                throw Failed("read", ex);
            }
        }
    }

    /// <summary>Holds the store (shared) until disposed, on the thread that created it.</summary>
    public IKvIterator NewIterator(KvSpace space, byte[] lower, byte[] upper)
    {
        var options = new ReadOptions().SetIterateLowerBound(lower).SetIterateUpperBound(upper);
        _swap.EnterReadLock();
        try
        {
            return new RocksIterator(_db.NewIterator(_families[(int)space], options), _swap, options);
        }
        catch
        {
            _swap.ExitReadLock();
            throw;
        }
    }

    public IKvIterator NewIterator(KvSpace space)
    {
        _swap.EnterReadLock();
        try
        {
            return new RocksIterator(_db.NewIterator(_families[(int)space], _read), _swap);
        }
        catch
        {
            _swap.ExitReadLock();
            throw;
        }
    }

    public IWriteBatch NewBatch() => new RocksWriteBatch(this);

    /// <summary>What a RocksDB error becomes above the engine: a storage failure, never a command's.</summary>
    internal static StorageException Failed(string what, RocksDbException ex) => new($"RocksDB {what} failed: {ex.Message}", ex);

    /// <summary>Holds the store (shared) until disposed, on the thread that created it.</summary>
    public IKvSnapshot NewSnapshot()
    {
        _swap.EnterReadLock();
        try
        {
            return new RocksSnapshot(_db, _families, _swap);
        }
        catch
        {
            _swap.ExitReadLock();
            throw;
        }
    }

    /// <summary>The current handle of a space's column family; valid while the store is held shared.</summary>
    internal ColumnFamilyHandle Family(KvSpace space) => _families[(int)space];

    public void Write(IWriteBatch batch, bool sync)
    {
        using (Shared())
        {
            try
            {
                _db.Write(((RocksWriteBatch)batch).Batch, sync ? _syncWrite : _asyncWrite);
            }
            catch (RocksDbException ex)
            {
                throw Failed("write", ex);
            }
        }
    }

    public IReadOnlyList<KeyValuePair<string, string>> GetStats()
    {
        // Each property looks the family up under the shared hold: a handle taken before a replace is freed.
        return
        [
            new("rocksdb_estimate_num_keys", Property("rocksdb.estimate-num-keys")),
            new("rocksdb_sst_files_bytes", Property("rocksdb.total-sst-files-size")),
            new("rocksdb_memtable_bytes", Property("rocksdb.cur-size-all-mem-tables")),
            new("rocksdb_live_data_bytes", Property("rocksdb.estimate-live-data-size")),
            new("rocksdb_pending_compaction_bytes", Property("rocksdb.estimate-pending-compaction-bytes")),
            new("rocksdb_running_compactions", Property("rocksdb.num-running-compactions")),
            new("rocksdb_running_flushes", Property("rocksdb.num-running-flushes")),
            new("rocksdb_block_cache_bytes", _blockCache.GetUsage().ToString()),
        ];
    }

    private string Property(string name)
    {
        using (Shared())
        {
            return _db.GetProperty(name, _families[(int)KvSpace.Data]) ?? "0";
        }
    }

    /// <summary>Holds the store shared (against <see cref="ReplaceWith"/>) until disposed, on this thread.</summary>
    internal SharedHold Shared()
    {
        _swap.EnterReadLock();
        return new SharedHold(_swap);
    }

    internal readonly struct SharedHold(ReaderWriterLockSlim swap) : IDisposable
    {
        public void Dispose() => swap.ExitReadLock();
    }

    public void Dispose() => _db.Dispose();
}
