using RocksDbSharp;

namespace Cairn.Storage.RocksDb;

/// <summary>Releases the store's shared hold on dispose, when it took one (an engine iterator; a snapshot's holds its own).</summary>
internal sealed class RocksIterator(Iterator iterator, ReaderWriterLockSlim? store, ReadOptions? owned = null) : IKvIterator
{
    public bool Valid => iterator.Valid();

    public ReadOnlySpan<byte> Key => iterator.GetKeySpan();

    public ReadOnlySpan<byte> Value => iterator.GetValueSpan();

    public void Seek(ReadOnlySpan<byte> key) => iterator.Seek(key);

    public void SeekToFirst() => iterator.SeekToFirst();

    public void SeekForPrev(ReadOnlySpan<byte> key) => iterator.SeekForPrev(key);

    public void SeekToLast() => iterator.SeekToLast();

    public void Next() => iterator.Next();

    public void Prev() => iterator.Prev();

    public void Dispose()
    {
        iterator.Dispose();
        GC.KeepAlive(owned); // its bounds live in the options' memory, read by the iterator until here
        store?.ExitReadLock();
    }
}
