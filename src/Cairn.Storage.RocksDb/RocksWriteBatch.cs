using RocksDbSharp;

namespace Cairn.Storage.RocksDb;

/// <summary>
/// A write batch. It names column families by the engine's current handles at each call, never by handles
/// captured when it was made: a batch outlives <see cref="RocksKvEngine.ReplaceWith"/> (the state machine keeps
/// one), and the replaced database's handles are freed. A batch's contents hold family ids, which a checkpoint
/// of the same store keeps, so what was added before a replace still lands in the right family.
/// </summary>
internal sealed class RocksWriteBatch(RocksKvEngine engine) : IWriteBatch
{
    public WriteBatch Batch { get; } = new();

    public int Count => Batch.Count();

    public void Put(KvSpace space, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        using (engine.Shared())
        {
            Batch.Put(key, value, engine.Family(space));
        }
    }

    public void Delete(KvSpace space, ReadOnlySpan<byte> key)
    {
        using (engine.Shared())
        {
            Batch.Delete(key, engine.Family(space));
        }
    }

    public unsafe void DeleteRange(KvSpace space, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        using (engine.Shared())
        {
            fixed (byte* f = from)
            fixed (byte* t = to)
            {
                Batch.DeleteRange(f, (ulong)from.Length, t, (ulong)to.Length, engine.Family(space));
            }
        }
    }

    public void Clear() => Batch.Clear();

    public void Dispose() => Batch.Dispose();
}
