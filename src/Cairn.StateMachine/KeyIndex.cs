using System.Runtime.InteropServices;
using Cairn.Storage;

namespace Cairn.StateMachine;

/// <summary>
/// What the applier knows about keys without their values: stored or not, and the expiry of a stored one.
/// Writes that replace or delete a key whole (SET, MSET, DEL, expiry) need only this to keep the key count
/// and expiry index true, so a key found here costs them no lookup in RocksDB (whose memtable search was
/// a third of the apply cost). Only strings (and absent keys) are indexed: replacing or deleting a collection
/// needs its header (the version its members are under), so a collection is always read. Contract:
/// <list type="bullet">
/// <item>It holds only what the engine holds: the applier records a key after reading it from the engine
/// or after a batch that wrote it is in the engine, and clears it when the engine's contents are replaced
/// (FLUSHALL, a restored snapshot).</item>
/// <item>Used by the applier alone (not thread-safe). No values are kept, so writes do not keep the garbage
/// collector copying records.</item>
/// <item>Bounded by bytes (keys plus a per-entry overhead); past the bound it starts over empty.</item>
/// </list>
/// </summary>
public sealed class KeyIndex
{
    private const long Absent = -1;
    private const int EntryOverhead = 64;

    private readonly Dictionary<byte[], long> _keys = new(ByteArrayComparer.Instance);
    private readonly long _capacityBytes;
    private long _bytes;

    /// <summary>The index's bound beside a record cache of <paramref name="recordCacheBytes"/>: a quarter of it (0 with it).</summary>
    public static long BoundFor(long recordCacheBytes) => recordCacheBytes / 4;

    /// <param name="capacityBytes">Bound on indexed bytes; 0 disables the index.</param>
    public KeyIndex(long capacityBytes)
    {
        _capacityBytes = capacityBytes;
    }

    /// <summary>Keys indexed (read from any thread for INFO: a recent value).</summary>
    public int Count => _keys.Count;

    /// <summary>Bytes accounted to indexed keys (read from any thread for INFO: a recent value).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>True when <paramref name="dataKey"/> is known; then whether it is stored, and its expiry (0 = none).</summary>
    public bool TryGet(byte[] dataKey, out bool stored, out long expireAt)
    {
        if (_keys.TryGetValue(dataKey, out var value))
        {
            stored = value != Absent;
            expireAt = stored ? value : 0;
            return true;
        }
        stored = false;
        expireAt = 0;
        return false;
    }

    /// <summary>Records what the engine now holds for <paramref name="dataKey"/>: <paramref name="record"/>, or nothing when null.</summary>
    public void Set(byte[] dataKey, byte[]? record)
    {
        if (_capacityBytes <= 0)
        {
            return;
        }
        if (record is not null && ValueRecord.IsCollection(record))
        {
            if (_keys.Remove(dataKey))
            {
                _bytes -= dataKey.Length + EntryOverhead;
            }
            return;
        }
        var value = record is null ? Absent : ValueRecord.ExpireAt(record);
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_keys, dataKey, out var existed);
        slot = value;
        if (!existed && (_bytes += dataKey.Length + EntryOverhead) > _capacityBytes)
        {
            Clear();
        }
    }

    public void Clear()
    {
        _keys.Clear();
        _bytes = 0;
    }
}
