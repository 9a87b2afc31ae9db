using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>
/// Writes on a follower go to the leader as one ordered batch at a time: the next batch leaves only once the
/// one before it is answered, and a batch that certainly did not reach the leader goes again before anything
/// after it. So a node's writes enter the log in the order its clients sent them, across leader changes: a
/// batch the old leader took either is in every later leader's log before what follows, or never commits
/// (Log Matching). Redis clients rely on that order within a connection (DEL then SET, SET then EXPIRE).
/// </summary>
public sealed partial class RaftGroup
{
    // The batch in flight to the leader (null: none), and when a batch that did not leave may go again.
    private List<PendingReply>? _forwarding;
    private long _forwardRetryAt;

    /// <summary>Keeps <paramref name="batch"/> waiting, in order, at the head of what is proposed next.</summary>
    private void HoldBehindForwarded(List<PendingReply> batch, long now)
    {
        foreach (var proposal in batch)
        {
            if (now > proposal.Deadline)
            {
                // Never sent, or only in batches that certainly did not arrive: the outcome is known.
                proposal.Complete(KvReply.Error(_forwarding is null
                    ? CannotReachLeader(_node.SoftState.Lead)
                    : $"CLUSTERDOWN the writes before this one were not answered within {(long)_options.RequestTimeout.TotalMilliseconds} ms; it was not applied"));
            }
            else
            {
                _waitingForLeader.Add(proposal);
            }
        }
    }

    private void ForwardOrWait(List<PendingReply> batch, SoftState soft, long now)
    {
        var send = new List<PendingReply>(batch.Count);
        var canSend = soft.Lead != 0 && _transport is not null;
        foreach (var proposal in batch)
        {
            if (proposal.Forwarded)
            {
                proposal.Complete(KvReply.Error($"CLUSTERDOWN this node is not the leader{LeaderHint(soft.Lead)}"));
            }
            else if (now > proposal.Deadline)
            {
                // Never sent, or sent only in batches that certainly did not arrive: the outcome is known.
                proposal.Complete(KvReply.Error(proposal.Change is null && soft.Lead != 0 ? CannotReachLeader(soft.Lead) : NoLeaderError()));
            }
            else if (canSend && proposal.Change is null)
            {
                // Membership changes wait for this node to lead (they are not forwarded); writes go in order.
                send.Add(proposal);
            }
            else
            {
                _waitingForLeader.Add(proposal);
            }
        }
        if (send.Count > 0)
        {
            ForwardBatch(soft.Lead, send);
        }
    }

    private void ForwardBatch(ulong leader, List<PendingReply> batch)
    {
        _forwarding = batch;
        var commands = batch.Select(p => p.Command).ToArray();
        _transport!.ForwardBatchAsync(leader, commands).ContinueWith(t =>
        {
            _work.Enqueue(() => Forwarded(leader, batch, t));
            _signal.Set();
        }, TaskScheduler.Default);
    }

    /// <summary>On the group's thread: answers a forwarded batch, or puts it back at the head to go again.</summary>
    private void Forwarded(ulong leader, List<PendingReply> batch, Task<IReadOnlyList<KvReply>?> sent)
    {
        _forwarding = null;
        if (!sent.IsCompletedSuccessfully)
        {
            batch.ForEach(p => p.Complete(KvReply.Error(UnknownOutcome(sent.Exception?.InnerException?.Message))));
            return;
        }
        if (sent.Result is not { } replies)
        {
            // Never reached the leader (it may be down, a new one not yet known): again shortly, first of all.
            _waitingForLeader.InsertRange(0, batch);
            RetryForwardSoon();
            return;
        }
        // The leader refuses what it takes while not leading; a refused tail (nothing after it applied) goes again.
        var retry = replies.Count;
        while (retry > 0 && IsNotLeader(replies[retry - 1]))
        {
            retry--;
        }
        for (var i = 0; i < retry; i++)
        {
            batch[i].Complete(replies[i]);
        }
        if (retry < batch.Count)
        {
            _waitingForLeader.InsertRange(0, batch.Skip(retry));
            RetryForwardSoon();
        }
    }

    /// <summary>Again shortly, not in a tight loop that would starve the election on a busy machine.</summary>
    private void RetryForwardSoon() => _forwardRetryAt = _time.GetTimestamp() + (long)(0.02 * _time.TimestampFrequency);

    private static string CannotReachLeader(ulong leader) =>
        $"CLUSTERDOWN cannot reach the leader (raft id {leader:x16}); the write was not applied";

    private static bool IsNotLeader(KvReply reply) =>
        reply.IsError && reply.Text!.StartsWith("CLUSTERDOWN this node is not the leader", StringComparison.Ordinal);
}
