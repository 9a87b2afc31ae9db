using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>
/// Writes on a follower go to the leader in this node's forwarding session (<see cref="Forwarder"/>): numbered in
/// the order its clients sent them, several batches out at once, run by the leader's state machine at most once and
/// in that order, whichever leader takes them and however often they are sent. Redis clients rely on that order
/// within a connection (DEL then SET, SET then EXPIRE); the session keeps it for every connection of this node.
/// </summary>
public sealed partial class RaftGroup
{
    private readonly Forwarder _forwarder;
    // When writes that came back unanswered may go again (not in a tight loop while no leader answers).
    private long _forwardRetryAt;

    private Forwarder NewForwarder() => new(
        _options.MaxBatch,
        _time.TimestampFrequency,
        item => item.Refusal is { } refusal
            ? $"CLUSTERDOWN no leader took the write within {(long)_options.RequestTimeout.TotalMilliseconds} ms (the last said: {refusal}); it was not applied"
            : CannotReachLeader(_node.SoftState.Lead),
        () => UnknownOutcome($"the leader did not answer within {(long)_options.RequestTimeout.TotalMilliseconds} ms"));

    /// <summary>This node does not lead: its new writes go to the leader behind what is out, or wait for room.</summary>
    private void ForwardOrWait(List<PendingReply> batch, SoftState soft, long now)
    {
        var send = new List<PendingReply>(batch.Count);
        foreach (var proposal in batch)
        {
            if (proposal.Forwarded)
            {
                proposal.Complete(KvReply.Error($"CLUSTERDOWN this node is not the leader{LeaderHint(soft.Lead)}"));
            }
            else if (now > proposal.Deadline)
            {
                // Never sent: the outcome is known.
                proposal.Complete(KvReply.Error(proposal.Change is null && soft.Lead != 0 ? CannotReachLeader(soft.Lead) : NoLeaderError()));
            }
            else if (proposal.Change is not null)
            {
                // Membership changes wait for this node to lead (they are not forwarded).
                _waitingForLeader.Add(proposal);
            }
            else
            {
                send.Add(proposal);
            }
        }
        if (send.Count == 0)
        {
            return;
        }
        if (CanForward(soft, now) && _forwarder.CanTakeNew)
        {
            SendForward(soft.Lead, _forwarder.Take(send));
        }
        else
        {
            _waitingForLeader.AddRange(send);
        }
    }

    private bool CanForward(SoftState soft, long now) => soft.Lead != 0 && _transport is not null && now >= _forwardRetryAt;

    /// <summary>Sends again, in order, what came back unanswered, once nothing is out; before any new write.</summary>
    private void ResendForwards(SoftState soft, long now)
    {
        if (_forwarder.ResendDue && soft.State != StateType.Leader && CanForward(soft, now))
        {
            foreach (var batch in _forwarder.Resend())
            {
                SendForward(soft.Lead, batch);
            }
        }
    }

    private void SendForward(ulong leader, Forwarder.Batch batch)
    {
        _transport!.ForwardBatchAsync(leader, batch.Writes).ContinueWith(t =>
        {
            _work.Enqueue(() => Forwarded(batch, t));
            _signal.Set();
        }, TaskScheduler.Default);
    }

    /// <summary>On the group's thread: answers what the leader answered; the rest goes again.</summary>
    private void Forwarded(Forwarder.Batch batch, Task<IReadOnlyList<ForwardResult>?> sent)
    {
        var results = sent.IsCompletedSuccessfully
            ? sent.Result
            : Enumerable.Repeat(new ForwardResult(KvReply.Error(UnknownOutcome(sent.Exception?.InnerException?.Message)), WriteOutcome.Unknown), batch.Writes.Count).ToArray();
        if (_forwarder.Answered(batch, results))
        {
            // Again shortly, not in a tight loop that would starve the election on a busy machine.
            _forwardRetryAt = _time.GetTimestamp() + (long)(0.02 * _time.TimestampFrequency);
        }
    }

    private static string CannotReachLeader(ulong leader) =>
        $"CLUSTERDOWN cannot reach the leader (raft id {leader:x16}); the write was not applied";
}
