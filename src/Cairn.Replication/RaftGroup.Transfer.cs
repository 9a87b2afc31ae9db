using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

public sealed partial class RaftGroup
{
    /// <summary>
    /// Hands leadership to the voter <paramref name="target"/> (RAFT.TRANSFER_LEADER): the leader stops taking
    /// proposals, brings the target's log up to date and tells it to campaign at once (thesis §3.10); on a
    /// follower the Raft core passes the request to the leader. With target 0 the leader picks the voter whose
    /// log matches furthest, and a follower picks itself when it votes. Completes with OK once this node sees
    /// the target lead, or with an error after the request timeout (the leader abandons a transfer that does
    /// not finish within an election timeout, and goes on leading).
    /// </summary>
    public async Task<KvReply> TransferLeaderAsync(ulong target)
    {
        var (chosen, name, refusal) = await OnGroupThread(() =>
        {
            var lead = _node.SoftState.Lead;
            if (lead == 0)
            {
                return (0UL, "", KvReply.Error("CLUSTERDOWN no leader"));
            }
            var voters = _node.Conf.Voters;
            if (target == 0)
            {
                target = _node.SoftState.State == StateType.Leader
                    ? _node.Members.Where(m => !m.IsLearner && m.Id != lead).OrderByDescending(m => m.Match).Select(m => m.Id).FirstOrDefault()
                    : voters.Contains(_options.NodeId) ? _options.NodeId : voters.FirstOrDefault(v => v != lead);
                if (target == 0)
                {
                    return (0UL, "", KvReply.Error("ERR no other voter to transfer leadership to"));
                }
            }
            else if (!voters.Contains(target))
            {
                return (0UL, "", KvReply.Error(_node.Conf.IsMember(target) ? "ERR node is a learner, not a voter" : "ERR node id does not exist"));
            }
            if (target != lead)
            {
                _node.TransferLeader(target);
            }
            return (target, MemberName(target), (KvReply?)null);
        });
        if (refusal is { } refused)
        {
            return refused;
        }
        var deadline = _time.GetTimestamp() + _timeoutTicks;
        while (Status.LeaderId != chosen)
        {
            if (_time.GetTimestamp() > deadline || _stop.IsCancellationRequested)
            {
                return KvReply.Error($"ERR leadership did not move to {name} within {(long)_options.RequestTimeout.TotalMilliseconds} ms");
            }
            // The status is republished on every role change and tick; a short wait between looks is enough.
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time);
        }
        return KvReply.Ok;
    }
}
