using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>
/// Writes: taken from any thread, checked against their op's rules, then proposed as one batch per cycle on the
/// group's thread (a follower forwards them, in its session), each answered once its own entry is applied.
/// </summary>
public sealed partial class RaftGroup
{
    /// <summary>
    /// Proposes a write; completes with the state machine's reply once applied, or an error naming why it cannot.
    /// A command that breaks its op's rules is refused here, before it takes a place in the log.
    /// </summary>
    public Task<KvReply> ProposeAsync(KvCommand command) =>
        Refusal(command) ?? Enqueue(_proposals, new PendingReply(command, Deadline()));

    /// <summary>A write forwarded by a follower: proposed here if this node leads, refused otherwise (never forwarded again).</summary>
    public Task<KvReply> ProposeForwardedAsync(KvCommand command) =>
        ForwardedRefusal(command) ?? Enqueue(_proposals, new PendingReply(command, Deadline()) { Forwarded = true });

    /// <summary>
    /// A forwarded write's refusal: <see cref="Refusal"/>, and the corrupt alarm, which only the leader's own check
    /// raises (a follower forwards its disarm, never a raise).
    /// </summary>
    private static Task<KvReply>? ForwardedRefusal(KvCommand command) =>
        command.Op == KvOp.SetAlarm && command.Args is [{ Length: > 0 }]
            ? Task.FromResult(KvReply.Error("ERR the corrupt alarm is raised by the leader's own check, not by a forwarded write"))
            : Refusal(command);

    /// <summary>
    /// A write a follower forwarded in its session: proposed with its stamp if this node leads, refused otherwise.
    /// The result says whether it ran, so the follower knows what to send again.
    /// </summary>
    public Task<ForwardResult> ProposeForwardedAsync(ForwardedWrite write)
    {
        if (ForwardedRefusal(write.Command) is { } refused)
        {
            // Refusals are completed tasks.
            return Task.FromResult(new ForwardResult(refused.Result, WriteOutcome.NotApplied));
        }
        var pending = new PendingReply(write.Command, Deadline()) { Forwarded = true, Stamp = write.Stamp };
        Enqueue(_proposals, pending);
        return pending.ResultAsync();
    }

    /// <summary>A write's refusal before the log: not a write, or its operands break the op's rules.</summary>
    private static Task<KvReply>? Refusal(KvCommand command)
    {
        if (!command.IsWrite)
        {
            return Task.FromResult(KvReply.Error($"ERR '{command.Op}' is not a write"));
        }
        return KvCommandRules.Check(command) is { } error ? Task.FromResult(KvReply.Error(error)) : null;
    }

    private void ProposeWaiting(long now)
    {
        ResendForwards(_node.SoftState, now);
        if (_proposals.IsEmpty && _waitingForLeader.Count == 0 && (_forwarder.Unanswered == 0 || _node.SoftState.State != StateType.Leader))
        {
            return;
        }
        var batch = new List<PendingReply>(_waitingForLeader);
        _waitingForLeader.Clear();
        while (batch.Count < _options.MaxBatch && _proposals.TryDequeue(out var proposal))
        {
            batch.Add(proposal);
        }
        if (_lastWriteError is { } writeError)
        {
            // Refused before proposing: the outcome is known (not applied).
            batch.ForEach(p => p.Complete(KvReply.Error($"MISCONF Errors writing to the Raft log: {writeError}")));
            return;
        }
        if (CorruptAlarm is { } alarm)
        {
            // Only the alarm itself (raised through the log, or disarmed) and the check's digest marks still go in the log.
            static bool Refused(PendingReply p) => p.Command.Op is not (KvOp.SetAlarm or KvOp.DigestMark);
            foreach (var refused in batch.Where(Refused))
            {
                refused.Complete(KvReply.Error($"CORRUPT the replicas' states differ ({alarm}); writes are refused (RAFT.ALARM DISARM once repaired, see docs/operations.md)"));
            }
            batch.RemoveAll(Refused);
            if (batch.Count == 0)
            {
                return;
            }
        }
        var soft = _node.SoftState;
        if (soft.State != StateType.Leader)
        {
            ForwardOrWait(batch, soft, now);
            return;
        }
        // Writes this node forwarded while it followed go first, in their session (a copy still on its way runs at most once).
        batch.InsertRange(0, _forwarder.TakeOver());
        var commands = batch.Where(p => p.Change is null).ToList();
        foreach (var change in batch.Where(p => p.Change is not null))
        {
            ProposeChange(change);
        }
        if (commands.Count == 0)
        {
            return;
        }
        var timestamp = _clock.Next();
        var payloads = new ReadOnlyMemory<byte>[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            payloads[i] = KvCommandCodec.Encode(commands[i].Command, timestamp, commands[i].Stamp);
        }
        var first = _node.LastIndex + 1;
        try
        {
            _node.ProposeBatch(payloads);
        }
        catch (ProposalDroppedException ex)
        {
            // Refused whole (a leadership transfer holds new entries back): nothing was appended. Wait for the
            // transfer to end — here as leader still, or forwarded to the new one — unless out of time.
            foreach (var command in commands)
            {
                if (now > command.Deadline)
                {
                    command.Complete(KvReply.Error($"CLUSTERDOWN {ex.Message}; the write was not applied"));
                }
                else
                {
                    _waitingForLeader.Add(command);
                }
            }
            return;
        }
        RaftMetrics.ProposalBatchSize.Record(payloads.Length);
        RaftMetrics.Proposals.Add(payloads.Length);
        var term = _node.HardState.Term;
        for (var i = 0; i < commands.Count; i++)
        {
            // A proposal still recorded at this index was in an older term's entry that our log no longer has (a
            // leader's append cut it). It is answered now, never left waiting; but another member may still hold that
            // entry and commit it as a later leader, so its outcome is unknown (a follower's forwarder sends it again).
            if (_inLog.Remove(first + (ulong)i, out var lost))
            {
                lost.Proposal.Complete(KvReply.Error(UnknownOutcome("its log entry was replaced in a leader change")), WriteOutcome.Unknown);
            }
            _inLog[first + (ulong)i] = (term, commands[i]);
        }
    }

    internal static string UnknownOutcome(string? why) =>
        $"TIMEOUT the write's outcome is unknown: {why ?? "no reply from the leader"}; it may or may not have been applied";

    private string NoLeaderError() =>
        _node.Conf.Voters.Count == 0
            ? "CLUSTERDOWN this node is not a member of a cluster yet (RAFT.CLUSTER INIT or RAFT.CLUSTER JOIN)"
            : $"CLUSTERDOWN no leader (none elected within {(long)_options.RequestTimeout.TotalMilliseconds} ms)";

    private string LeaderHint(ulong lead) =>
        lead == 0 ? "" : $"; node {MemberName(lead)} leads";
}
