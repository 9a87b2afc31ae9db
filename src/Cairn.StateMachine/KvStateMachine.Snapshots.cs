using System.Buffers.Binary;
using Cairn.Storage;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    /// <summary>
    /// Writes a copy of the whole state (data, counters, cluster records) as of <see cref="AppliedIndex"/>
    /// into <paramref name="directory"/>, which must not exist. Call on the applier's thread, so nothing is
    /// applied meanwhile and the copy is exactly at the returned index.
    /// </summary>
    public long Checkpoint(string directory)
    {
        _engine.Checkpoint(directory);
        return _appliedIndex;
    }

    /// <summary>
    /// Makes everything applied so far durable (Apply normally leaves that to the Raft log): one synced
    /// engine write. After it returns, the log before <see cref="AppliedIndex"/> may be discarded.
    /// </summary>
    public void MakeDurable()
    {
        _batch ??= _engine.NewBatch();
        try
        {
            Span<byte> buffer = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(buffer, _appliedIndex);
            _batch.Put(KvSpace.Meta, KeyCodec.AppliedIndexKey, buffer);
            _engine.Write(_batch, sync: true);
        }
        finally
        {
            _batch.Clear();
        }
    }

    /// <summary>
    /// Replaces the whole state with a checkpoint (made by <see cref="Checkpoint"/>, here or on another
    /// node), taking the directory over. Afterwards the applied index and counters are the checkpoint's.
    /// Call on the applier's thread.
    /// </summary>
    public void Restore(string directory)
    {
        _cache.BeginWrite();
        try
        {
            // Emptied first, so no reader is served a record of the replaced store once the new one is in.
            _cache.Clear();
            _keys.Clear();
            _engine.ReplaceWith(directory);
        }
        finally
        {
            _cache.EndWrite();
        }
        Volatile.Write(ref _keyCount, ReadMetaLong(KeyCodec.KeyCountKey));
        Volatile.Write(ref _expiresCount, ReadMetaLong(KeyCodec.ExpiresCountKey));
        Volatile.Write(ref _appliedTime, ReadMetaLong(KeyCodec.AppliedTimeKey));
        Volatile.Write(ref _appliedIndex, ReadMetaLong(KeyCodec.AppliedIndexKey));
        EnsureNamesIndexed();
        LoadSessions();
        LoadWaiters();
        _alarm = ReadAlarm();
        Interlocked.Exchange(ref _appliedSignal, null)?.TrySetResult();
    }
}
