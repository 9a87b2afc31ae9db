using RocksDbSharp;

namespace Cairn.Storage.RocksDb;

/// <summary>A RocksDB snapshot with the read options that pin it; releases both and the store's shared hold on dispose.</summary>
internal sealed class RocksSnapshot : IKvSnapshot
{
    private readonly RocksDbSharp.RocksDb _db;
    private readonly ColumnFamilyHandle[] _families;
    private readonly ReaderWriterLockSlim _store;
    private readonly Snapshot _snapshot;
    private readonly ReadOptions _read;

    public RocksSnapshot(RocksDbSharp.RocksDb db, ColumnFamilyHandle[] families, ReaderWriterLockSlim store)
    {
        _db = db;
        _families = families;
        _store = store;
        _snapshot = db.CreateSnapshot();
        _read = new ReadOptions().SetSnapshot(_snapshot);
    }

    public byte[]? Get(KvSpace space, ReadOnlySpan<byte> key)
    {
        try
        {
            return _db.Get(key, _families[(int)space], _read);
        }
        catch (RocksDbException ex)
        {
            throw RocksKvEngine.Failed("read", ex);
        }
    }

    /// <summary>Under the snapshot's own hold on the store: the iterator takes none.</summary>
    public IKvIterator NewIterator(KvSpace space) => new RocksIterator(_db.NewIterator(_families[(int)space], _read), null);

    public IKvIterator NewIterator(KvSpace space, byte[] lower, byte[] upper)
    {
        var options = new ReadOptions().SetSnapshot(_snapshot).SetIterateLowerBound(lower).SetIterateUpperBound(upper);
        return new RocksIterator(_db.NewIterator(_families[(int)space], options), null, options);
    }

    public void Dispose()
    {
        _snapshot.Dispose();
        _store.ExitReadLock();
    }
}
