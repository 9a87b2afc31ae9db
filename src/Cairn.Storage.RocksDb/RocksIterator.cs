using RocksDbSharp;

namespace Cairn.Storage.RocksDb;

internal sealed class RocksIterator(Iterator iterator, ReaderWriterLockSlim store) : IKvIterator
{
    public bool Valid => iterator.Valid();

    public ReadOnlySpan<byte> Key => iterator.GetKeySpan();

    public ReadOnlySpan<byte> Value => iterator.GetValueSpan();

    public void Seek(ReadOnlySpan<byte> key) => iterator.Seek(key);

    public void SeekToFirst() => iterator.SeekToFirst();

    public void Next() => iterator.Next();

    public void Dispose()
    {
        iterator.Dispose();
        store.ExitReadLock();
    }
}
