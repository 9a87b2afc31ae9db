using RocksDbSharp;

namespace Cairn.Storage.RocksDb;

/// <summary>
/// <see cref="IKvEngine"/> on RocksDB: one column family per <see cref="KvSpace"/>. A synced
/// write appends the batch to the WAL and fdatasyncs it before the memtable sees it, so a
/// reader never observes a write that a crash could take back.
/// </summary>
public sealed class RocksKvEngine : IKvEngine
{
    private static readonly string[] SpaceNames = ["data", "meta", "expiry"];

    private readonly RocksDbSharp.RocksDb _db;
    private readonly ColumnFamilyHandle[] _families;
    private readonly ReadOptions _read = new();
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private readonly WriteOptions _asyncWrite = new WriteOptions().SetSync(false);
    private readonly Cache _blockCache;

    public RocksKvEngine(string path, RocksOptions? options = null)
    {
        options ??= new RocksOptions();
        Directory.CreateDirectory(path);
        _blockCache = Cache.CreateLru((ulong)options.BlockCacheBytes);
        var table = new BlockBasedTableOptions()
            .SetBlockCache(_blockCache.Handle)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true)
            .SetFormatVersion(5);
        var dbOptions = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetMaxOpenFiles(options.MaxOpenFiles)
            .SetKeepLogFileNum(5)
            .IncreaseParallelism(Math.Max(2, Environment.ProcessorCount));
        var families = new ColumnFamilies();
        foreach (var name in SpaceNames)
        {
            var cf = new ColumnFamilyOptions()
                .SetBlockBasedTableFactory(table)
                .SetWriteBufferSize((ulong)options.WriteBufferBytes)
                .SetCompression(Compression.Lz4)
                .SetLevelCompactionDynamicLevelBytes(true);
            families.Add(name, cf);
        }
        _db = RocksDbSharp.RocksDb.Open(dbOptions, path, families);
        _families = SpaceNames.Select(_db.GetColumnFamily).ToArray();
    }

    public byte[]? Get(KvSpace space, ReadOnlySpan<byte> key) => _db.Get(key, _families[(int)space], _read);

    public IKvIterator NewIterator(KvSpace space) => new RocksIterator(_db.NewIterator(_families[(int)space], _read));

    public IWriteBatch NewBatch() => new RocksWriteBatch(_families);

    public void Write(IWriteBatch batch, bool sync) =>
        _db.Write(((RocksWriteBatch)batch).Batch, sync ? _syncWrite : _asyncWrite);

    public IReadOnlyList<KeyValuePair<string, string>> GetStats()
    {
        var data = _families[(int)KvSpace.Data];
        return
        [
            new("rocksdb_estimate_num_keys", Property("rocksdb.estimate-num-keys", data)),
            new("rocksdb_sst_files_bytes", Property("rocksdb.total-sst-files-size", data)),
            new("rocksdb_memtable_bytes", Property("rocksdb.cur-size-all-mem-tables", data)),
            new("rocksdb_live_data_bytes", Property("rocksdb.estimate-live-data-size", data)),
            new("rocksdb_pending_compaction_bytes", Property("rocksdb.estimate-pending-compaction-bytes", data)),
            new("rocksdb_block_cache_bytes", _blockCache.GetUsage().ToString()),
        ];
    }

    private string Property(string name, ColumnFamilyHandle family) => _db.GetProperty(name, family) ?? "0";

    public void Dispose() => _db.Dispose();
}
