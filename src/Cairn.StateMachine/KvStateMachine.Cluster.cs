using System.Buffers.Binary;
using Cairn.Storage;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    private static readonly byte[] ClusterPrefix = "cluster/"u8.ToArray();
    private static readonly byte[] AlarmKey = "alarm/corrupt"u8.ToArray();
    private volatile string? _alarm;
    // The alarm as the batch being executed leaves it ("" disarmed), or null when the batch does not touch it.
    private string? _alarmChange;

    /// <summary>The corrupt alarm the log raised (every replica refuses writes while it is up), or null.</summary>
    public string? Alarm => _alarm;

    private KvReply SetAlarm(KvCommand c)
    {
        if (c.Args[0].Length == 0)
        {
            _batch!.Delete(KvSpace.Meta, AlarmKey);
            _alarmChange = "";
        }
        else
        {
            _batch!.Put(KvSpace.Meta, AlarmKey, c.Args[0]);
            _alarmChange = System.Text.Encoding.UTF8.GetString(c.Args[0]);
        }
        return KvReply.Ok;
    }

    private string? ReadAlarm() => _engine.Get(KvSpace.Meta, AlarmKey) is { Length: > 0 } alarm ? System.Text.Encoding.UTF8.GetString(alarm) : null;

    /// <summary>
    /// Stores a record the replication layer keeps beside the data (membership, node addresses) as of log
    /// position <paramref name="index"/>, in one engine write with the applied index, so a restart or a
    /// snapshot sees records and data at the same point. An empty <paramref name="value"/> deletes it.
    /// </summary>
    public void ApplyClusterRecord(long index, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (index <= _appliedIndex)
        {
            return;
        }
        _batch ??= _engine.NewBatch();
        try
        {
            var metaKey = new byte[ClusterPrefix.Length + key.Length];
            ClusterPrefix.CopyTo(metaKey, 0);
            key.CopyTo(metaKey.AsSpan(ClusterPrefix.Length));
            if (value.IsEmpty)
            {
                _batch.Delete(KvSpace.Meta, metaKey);
            }
            else
            {
                _batch.Put(KvSpace.Meta, metaKey, value);
            }
            WriteAppliedIndex(index);
        }
        finally
        {
            _batch.Clear();
            Interlocked.Exchange(ref _appliedSignal, null)?.TrySetResult();
        }
    }

    /// <summary>Ends a write outside Apply: the applied index goes into the same engine write as the batch.</summary>
    private void WriteAppliedIndex(long index)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, index);
        _batch!.Put(KvSpace.Meta, KeyCodec.AppliedIndexKey, buffer);
        _engine.Write(_batch, sync: false);
        Volatile.Write(ref _appliedIndex, index);
    }

    /// <summary>
    /// An entry at <paramref name="index"/> that changes no data (a leader's empty entry, an undecodable one, a
    /// membership change without a record) is applied: the applied index moves to it, so a checkpoint taken
    /// now is labelled with the index of the last entry the log's owner applied.
    /// </summary>
    public void ApplyNothing(long index)
    {
        if (index <= _appliedIndex)
        {
            return;
        }
        _batch ??= _engine.NewBatch();
        try
        {
            WriteAppliedIndex(index);
        }
        finally
        {
            _batch.Clear();
            Interlocked.Exchange(ref _appliedSignal, null)?.TrySetResult();
        }
    }

    /// <summary>Every record stored with <see cref="ApplyClusterRecord"/>, in key order.</summary>
    public List<(byte[] Key, byte[] Value)> ReadClusterRecords()
    {
        var records = new List<(byte[], byte[])>();
        using var iterator = _engine.NewIterator(KvSpace.Meta);
        for (iterator.Seek(ClusterPrefix); iterator.Valid && iterator.Key.StartsWith(ClusterPrefix); iterator.Next())
        {
            records.Add((iterator.Key[ClusterPrefix.Length..].ToArray(), iterator.Value.ToArray()));
        }
        return records;
    }
}
