using RocksDbSharp;

namespace Cairn.Storage.RocksDb;

internal sealed class RocksWriteBatch(ColumnFamilyHandle[] families) : IWriteBatch
{
    public WriteBatch Batch { get; } = new();

    public int Count => Batch.Count();

    public void Put(KvSpace space, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Batch.Put(key, value, families[(int)space]);

    public void Delete(KvSpace space, ReadOnlySpan<byte> key) => Batch.Delete(key, families[(int)space]);

    public unsafe void DeleteRange(KvSpace space, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        fixed (byte* f = from)
        fixed (byte* t = to)
        {
            Batch.DeleteRange(f, (ulong)from.Length, t, (ulong)to.Length, families[(int)space]);
        }
    }

    public void Clear() => Batch.Clear();

    public void Dispose() => Batch.Dispose();
}
