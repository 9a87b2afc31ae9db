using System.Collections.Concurrent;
using Cairn.StateMachine;
using Microsoft.Extensions.Logging;

namespace Cairn.Replication;

/// <summary>
/// Replicas prove they agree (etcd's corruption check): a digest mark goes through the log, every replica makes a
/// checkpoint when it applies it (so all digest the state at the same index) and hashes that checkpoint beside the
/// group, never on its thread. The leader compares (RaftKvService.CheckDigestsAsync); a mismatch raises the corrupt
/// alarm: at once on this node, and through the log on every member (as etcd's alarms), so writes stay refused
/// whichever node leads, across restarts, until an operator disarms it (RAFT.ALARM DISARM).
/// </summary>
public sealed partial class RaftGroup
{
    private const int DigestsKept = 8;
    // Registered before the mark is applied, so a caller that sees the index applied finds its digest.
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<ulong?>> _digests = new();
    private volatile string? _corruptAlarm;

    /// <summary>Why writes are refused after a digest mismatch (null: no alarm): raised here, or through the log.</summary>
    public string? CorruptAlarm => _corruptAlarm ?? _machine.Alarm;

    /// <summary>Proposes a digest mark; its reply is the mark's log index.</summary>
    public Task<KvReply> MarkDigestAsync() => ProposeAsync(new KvCommand(KvOp.DigestMark, []));

    /// <summary>
    /// This node's digest of its state at <paramref name="index"/>, once it has applied that far; null when it has none
    /// for that index (it installed a snapshot past it, restarted since, or cannot open checkpoints).
    /// </summary>
    public async Task<ulong?> DigestAtAsync(ulong index, TimeSpan timeout)
    {
        await _machine.WaitForAppliedAsync((long)index, CancellationToken.None).WaitAsync(timeout).ConfigureAwait(false);
        return _digests.TryGetValue(index, out var digest) ? await digest.Task.WaitAsync(timeout).ConfigureAwait(false) : null;
    }

    /// <summary>Refuses writes here at once, and proposes the alarm so that every member refuses them.</summary>
    public void RaiseCorruptAlarm(string why)
    {
        if (_corruptAlarm is null)
        {
            _corruptAlarm = why;
            LogCorrupt(why);
            _work.Enqueue(PublishStatus);
            _signal.Set();
            ProposeAsync(new KvCommand(KvOp.SetAlarm, [System.Text.Encoding.UTF8.GetBytes(why)])).ContinueWith(
                t => LogAlarmProposed(t.Result.ToString()), TaskScheduler.Default);
        }
    }

    /// <summary>Disarms the alarm on every member (through the log); OK once applied here.</summary>
    public async Task<KvReply> DisarmAlarmAsync()
    {
        var reply = await ProposeAsync(new KvCommand(KvOp.SetAlarm, [[]])).ConfigureAwait(false);
        if (reply.Kind == KvReplyKind.Ok)
        {
            LogDisarmed();
        }
        return reply;
    }

    /// <summary>On the group's thread, before the mark at <paramref name="index"/> is applied.</summary>
    private TaskCompletionSource<ulong?> ExpectDigest(ulong index)
    {
        var digest = new TaskCompletionSource<ulong?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _digests[index] = digest;
        foreach (var old in _digests.Keys.Order().SkipLast(DigestsKept))
        {
            _digests.TryRemove(old, out _);
        }
        return digest;
    }

    /// <summary>On the group's thread, right after the mark at <paramref name="index"/> is applied: checkpoint here, hash beside.</summary>
    private void StartDigest(ulong index, TaskCompletionSource<ulong?> digest)
    {
        if (_options.OpenCheckpoint is not { } open)
        {
            digest.TrySetResult(null);
            return;
        }
        var directory = Path.Combine(SnapshotRoot, $"digest-{index}");
        try
        {
            TryDelete(directory);
            Directory.CreateDirectory(SnapshotRoot);
            if ((ulong)_machine.Checkpoint(directory) != index)
            {
                TryDelete(directory);
                digest.TrySetResult(null);
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Cairn.Storage.StorageException)
        {
            LogDigestFailed(index, ex.Message);
            TryDelete(directory);
            digest.TrySetResult(null);
            return;
        }
        Task.Run(() =>
        {
            try
            {
                using var engine = open(directory);
                digest.TrySetResult(KvStateMachine.DigestOf(engine));
            }
            catch (Exception ex)
            {
                digest.TrySetException(ex);
            }
            finally
            {
                TryDelete(directory);
            }
        });
    }

    [LoggerMessage(EventId = 2117, Level = LogLevel.Critical, Message = "CORRUPT alarm: {Why}; writes are refused on this node")]
    private partial void LogCorrupt(string why);

    [LoggerMessage(EventId = 2119, Level = LogLevel.Warning, Message = "CORRUPT alarm proposed to every member: {Reply}")]
    private partial void LogAlarmProposed(string reply);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Warning, Message = "CORRUPT alarm disarmed: writes are accepted again")]
    private partial void LogDisarmed();

    [LoggerMessage(EventId = 2118, Level = LogLevel.Warning, Message = "No digest at index {Index}: {Reason}")]
    private partial void LogDigestFailed(ulong index, string reason);
}
