using Cairn.Raft;
using Cairn.StateMachine;
using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn.Replication;

/// <summary>
/// Snapshots and log compaction. A snapshot here is a point the state machine is durable at: the log
/// records its metadata (index, term, membership) and drops entries behind it, keeping
/// <see cref="RaftGroupOptions.SnapshotCatchUpEntries"/>. The data itself is the state machine's store;
/// a follower behind the compacted log receives a checkpoint of it (made on this thread, so exactly at
/// the applied index it names) in chunks, and installs it before it acknowledges the snapshot.
/// </summary>
public sealed partial class RaftGroup
{
    // Followers a checkpoint is being sent to; a second Snap for one of them waits for the first (group thread only).
    private readonly HashSet<ulong> _sendingSnapshots = [];
    // A received checkpoint, while its Snap message is stepped: what InstallSnapshot restores from.
    private string? _receivedCheckpoint;
    private long _snapshotsTaken;
    private long _snapshotsSent;
    private long _snapshotsInstalled;

    public long SnapshotsTaken => Interlocked.Read(ref _snapshotsTaken);

    public long SnapshotsSent => Interlocked.Read(ref _snapshotsSent);

    public long SnapshotsInstalled => Interlocked.Read(ref _snapshotsInstalled);

    /// <summary>Where snapshots in transit are staged.</summary>
    public string SnapshotRoot => _options.SnapshotDirectory ?? Path.Combine(Path.GetTempPath(), $"cairn-snapshots-{_options.NodeId:x16}");

    /// <summary>The latest snapshot's index, as the log records it (0: none).</summary>
    private ulong SnapshotIndex => _log.Storage(_options.GroupId).Snapshot()?.Index ?? 0;

    /// <summary>Takes a snapshot now and compacts the log behind it (RAFT.SNAPSHOT).</summary>
    public Task<KvReply> SnapshotAsync() => OnGroupThread(() =>
    {
        if (_node.Conf.Voters.Count == 0 && _node.Conf.Learners.Count == 0)
        {
            return KvReply.Error("ERR this node is not a member of a cluster yet");
        }
        if (_applied > SnapshotIndex)
        {
            TakeSnapshot();
        }
        return KvReply.Ok;
    });

    /// <summary>Removes checkpoints left staged by a previous run (a crash mid-transfer).</summary>
    private void CleanSnapshotDirectory()
    {
        if (_options.SnapshotDirectory is not { } root || !Directory.Exists(root))
        {
            return;
        }
        foreach (var stale in Directory.GetDirectories(root))
        {
            Directory.Delete(stale, recursive: true);
        }
    }

    /// <summary>After applying: a snapshot once enough entries were applied since the last.</summary>
    private void MaybeSnapshot()
    {
        if (_options.SnapshotEntries > 0 && _applied >= SnapshotIndex + _options.SnapshotEntries)
        {
            TakeSnapshot();
        }
    }

    /// <summary>
    /// Makes the state machine durable at the applied index, records that as the snapshot, and drops log
    /// entries behind it but the catch-up tail. The order matters: the log may forget an entry only once
    /// its effect is on disk elsewhere. Watch history is trimmed to the log's new start.
    /// </summary>
    private void TakeSnapshot()
    {
        var groupId = _options.GroupId;
        var index = _applied;
        _machine.MakeDurable();
        var storage = _log.Storage(groupId);
        _log.SetSnapshot(groupId, new Snapshot(index, storage.Term(index), _node.Conf, ReadOnlyMemory<byte>.Empty));
        var compactTo = index > _options.SnapshotCatchUpEntries ? index - _options.SnapshotCatchUpEntries : 0;
        if (compactTo >= storage.FirstIndex())
        {
            _log.Compact(groupId, compactTo);
        }
        _log.Sync();
        // Watch history spans what the log keeps: a watcher older than that cannot be replayed either way.
        _machine.TrimHistory((long)storage.FirstIndex());
        Interlocked.Increment(ref _snapshotsTaken);
        LogSnapshotTaken(index, storage.FirstIndex());
        PublishStatus();
    }

    /// <summary>
    /// The leader's Snap messages leave through here: a checkpoint of the state machine now, sent in the
    /// background; its metadata replaces the log's (older) snapshot, since the checkpoint is at the applied index.
    /// </summary>
    private void SendSnapshot(Message snap)
    {
        var to = snap.To;
        if (_transport is null || !_sendingSnapshots.Add(to))
        {
            return;
        }
        var index = _applied;
        var directory = Path.Combine(SnapshotRoot, $"outgoing-{to:x16}-{index}");
        Message message;
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
            Directory.CreateDirectory(SnapshotRoot);
            // Labelled with the index the checkpoint holds, whatever the driver counts.
            index = (ulong)_machine.Checkpoint(directory);
            Interlocked.Exchange(ref _lastSnapshotBytes, new DirectoryInfo(directory).EnumerateFiles().Sum(f => f.Length));
            var snapshot = new Snapshot(index, _log.Storage(_options.GroupId).Term(index), _node.Conf, ReadOnlyMemory<byte>.Empty);
            message = new Message { GroupId = snap.GroupId, Type = MessageType.Snap, From = snap.From, To = to, Term = snap.Term, Snapshot = snapshot };
        }
        catch (Exception ex)
        {
            LogSnapshotSendFailed(MemberName(to), index, ex.Message);
            _sendingSnapshots.Remove(to);
            _node.ReportSnapshot(to, failed: true);
            TryDelete(directory);
            return;
        }
        LogSnapshotSending(MemberName(to), index);
        var transfer = _transport.SendSnapshotAsync(directory, message, _stop.Token);
        transfer.ContinueWith(t =>
        {
            _work.Enqueue(() =>
            {
                _sendingSnapshots.Remove(to);
                TryDelete(directory);
                var failed = !t.IsCompletedSuccessfully;
                if (failed)
                {
                    LogSnapshotSendFailed(MemberName(to), index, t.Exception?.InnerException?.Message ?? "cancelled");
                }
                else
                {
                    Interlocked.Increment(ref _snapshotsSent);
                    LogSnapshotSent(MemberName(to), index);
                }
                _node.ReportSnapshot(to, failed);
            });
            _signal.Set();
        }, TaskScheduler.Default);
    }

    /// <summary>
    /// A follower received a leader's checkpoint (staged in <paramref name="directory"/>, which this takes
    /// over) and its Snap message: steps the message, installing the checkpoint if Raft takes the snapshot.
    /// Completes once the acknowledgement (or the refusal) has been sent.
    /// </summary>
    public Task<bool> ReceiveSnapshotAsync(Message snap, string directory) => OnGroupThread(() =>
    {
        _receivedCheckpoint = directory;
        try
        {
            _node.Step(snap);
            while (_node.HasReady)
            {
                HandleReady(_node.Ready());
            }
            return _receivedCheckpoint is null;
        }
        finally
        {
            if (_receivedCheckpoint is not null)
            {
                TryDelete(_receivedCheckpoint);
                _receivedCheckpoint = null;
            }
        }
    });

    /// <summary>
    /// Persist's first step when a Ready carries a snapshot: the state machine becomes the checkpoint, then
    /// the log restarts after its index. A crash between the two leaves the state machine ahead of the
    /// log, which a restart reconciles (applied = min(state machine, commit); see ReconcileStoreAheadOfLog)
    /// and the leader repairs by sending the missing entries or a snapshot again; the other order could lose
    /// the entries in between. A crash inside the swap is undone when the store opens (the old store is
    /// put back). Each step has a crash point (<see cref="CrashPoints"/>) for tests.
    /// </summary>
    private void InstallSnapshot(Snapshot snapshot)
    {
        if (_receivedCheckpoint is { } directory)
        {
            _receivedCheckpoint = null;
            CrashPoints.Reach("snapshot-staged");
            _machine.Restore(directory);
            CrashPoints.Reach("snapshot-swapped");
        }
        // Otherwise restored already, by an attempt whose log write failed (and is now retried).
        if ((ulong)_machine.AppliedIndex != snapshot.Index)
        {
            throw new InvalidOperationException($"the checkpoint is at index {_machine.AppliedIndex}, its snapshot says {snapshot.Index}");
        }
        _log.InstallSnapshot(_options.GroupId, snapshot);
        Volatile.Write(ref _applied, snapshot.Index);
        LoadMembers();
        Interlocked.Increment(ref _snapshotsInstalled);
        LogSnapshotInstalled(snapshot.Index, snapshot.Term);
        PublishStatus();
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Removed at the next start.
        }
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Snapshot at index {Index}; the log now starts at {FirstIndex}")]
    private partial void LogSnapshotTaken(ulong index, ulong firstIndex);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Sending a snapshot at index {Index} to {Node}: its next entries were compacted")]
    private partial void LogSnapshotSending(string node, ulong index);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Snapshot at index {Index} sent to {Node}")]
    private partial void LogSnapshotSent(string node, ulong index);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Sending a snapshot at index {Index} to {Node} failed: {Reason}; it will be retried")]
    private partial void LogSnapshotSendFailed(string node, ulong index, string reason);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Information, Message = "Installed the leader's snapshot at index {Index} (term {Term})")]
    private partial void LogSnapshotInstalled(ulong index, ulong term);
}
