using System.Buffers.Binary;
using Cairn.Storage;

namespace Cairn.StateMachine;

/// <summary>
/// The change history watches read. Every put or delete of a key is also written, in the same batch, as an
/// event under (revision, ordinal) in <see cref="KvSpace.Events"/>; history below <see cref="EventsFloor"/>
/// has been trimmed (the Raft driver trims it as it compacts its log). Every key is also indexed by name in
/// <see cref="KvSpace.Names"/>, so prefix ranges read in key order.
/// </summary>
public sealed partial class KvStateMachine
{
    /// <summary>Most events a history read returns beyond the revision it is in (a revision is never split).</summary>
    public const int MaxEventsPerRead = 1024;

    /// <summary>The oldest revision whose events are all kept.</summary>
    public long EventsFloor => Volatile.Read(ref _eventsFloor);

    private void AddEvent(KvEventKind kind, ReadOnlySpan<byte> userKey, ReadOnlySpan<byte> record) =>
        _batch!.Put(KvSpace.Events, KeyCodec.EventKey(_index, _eventOrdinal++), KvEvent.Encode(kind, userKey, record));

    /// <summary>
    /// Events with revision ≥ <paramref name="fromRevision"/> up to the applied index, in commit order, at most
    /// about <paramref name="max"/> (whole revisions); <paramref name="next"/> is where the next read starts.
    /// Throws <see cref="WatchCompactedException"/> when that history has been trimmed. Safe alongside Apply.
    /// </summary>
    public IReadOnlyList<KvEvent> ReadEvents(long fromRevision, int max, out long next)
    {
        var applied = AppliedIndex;
        var floor = EventsFloor;
        if (fromRevision < floor)
        {
            throw new WatchCompactedException(fromRevision, floor);
        }
        var events = new List<KvEvent>();
        next = Math.Max(fromRevision, applied + 1);
        using var iterator = _engine.NewIterator(KvSpace.Events);
        for (iterator.Seek(KeyCodec.EventKey(fromRevision, 0)); iterator.Valid; iterator.Next())
        {
            var revision = KeyCodec.EventRevision(iterator.Key);
            if (revision > applied)
            {
                break;
            }
            if (events.Count >= max && revision != events[^1].Revision)
            {
                next = revision;
                break;
            }
            events.Add(KvEvent.Decode(revision, iterator.Value));
        }
        return events;
    }

    /// <summary>Completes once <see cref="AppliedIndex"/> ≥ <paramref name="index"/>.</summary>
    public async Task WaitForAppliedAsync(long index, CancellationToken cancellationToken)
    {
        while (AppliedIndex < index)
        {
            var signal = Volatile.Read(ref _appliedSignal);
            if (signal is null)
            {
                var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                signal = Interlocked.CompareExchange(ref _appliedSignal, created, null) ?? created;
            }
            if (AppliedIndex >= index)
            {
                return;
            }
            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops history below <paramref name="revision"/>. Call on the applier's thread.</summary>
    public void TrimHistory(long revision)
    {
        if (revision <= _eventsFloor)
        {
            return;
        }
        using var batch = _engine.NewBatch();
        batch.DeleteRange(KvSpace.Events, KeyCodec.EventKey(0, 0), KeyCodec.EventKey(revision, 0));
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, revision);
        batch.Put(KvSpace.Meta, KeyCodec.EventsFloorKey, buffer);
        _engine.Write(batch, sync: false);
        Volatile.Write(ref _eventsFloor, revision);
    }

    /// <summary>
    /// A store written before the names index existed gets it built once, from its records; its history
    /// starts after what it has applied.
    /// </summary>
    private void EnsureNamesIndexed()
    {
        if (_engine.Get(KvSpace.Meta, KeyCodec.NamesIndexedKey) is not null)
        {
            Volatile.Write(ref _eventsFloor, Math.Max(1, ReadMetaLong(KeyCodec.EventsFloorKey)));
            return;
        }
        using var batch = _engine.NewBatch();
        using (var iterator = _engine.NewIterator(KvSpace.Data))
        {
            for (iterator.Seek(KeyCodec.RecordsStart); iterator.Valid && KeyCodec.IsRecordKey(iterator.Key); iterator.Next())
            {
                batch.Put(KvSpace.Names, KeyCodec.NameKey(iterator.Key[KeyCodec.DataKeyOverhead..]), []);
            }
        }
        var floor = _appliedIndex + 1;
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, floor);
        batch.Put(KvSpace.Meta, KeyCodec.EventsFloorKey, buffer);
        batch.Put(KvSpace.Meta, KeyCodec.NamesIndexedKey, [1]);
        _engine.Write(batch, sync: true);
        Volatile.Write(ref _eventsFloor, floor);
    }
}
