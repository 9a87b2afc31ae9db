using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

public sealed partial class RaftGroup
{
    /// <summary>The reply to a proposal whose index the log committed with another entry: certainly not applied.</summary>
    private const string LostInLeaderChange = "CLUSTERDOWN the write was lost in a leader change; it was not applied";

    /// <summary>
    /// Applies committed entries in log order: runs of commands as one state-machine batch, membership
    /// changes one at a time between them (each persisted with the members' addresses before the next
    /// entry). Completes each of our proposals whose entry this is (same index and term). Applies
    /// <paramref name="committed"/>[<paramref name="start"/>..<paramref name="end"/>).
    /// </summary>
    private void Apply(IReadOnlyList<Entry> committed, int start, int end)
    {
        if (start >= end)
        {
            return;
        }
        var entries = new List<KvEntry>(end - start);
        var owners = new List<PendingReply?>(end - start);
        var alarmChanged = false;
        for (var i = start; i < end; i++)
        {
            var entry = committed[i];
            if (entry.Index <= _applied)
            {
                // Applied by a Ready whose Persist then failed: the retried Ready offers it again.
                continue;
            }
            PendingReply? owner = null;
            if (_inLog.Remove(entry.Index, out var ours))
            {
                if (ours.Term == entry.Term)
                {
                    owner = ours.Proposal;
                }
                else
                {
                    ours.Proposal.Complete(KvReply.Error(LostInLeaderChange));
                }
            }
            if (entry.Type == EntryType.ConfChange)
            {
                ApplyCommands(entries, owners);
                ApplyChange(entry, owner);
                continue;
            }
            if (entry.Data.Length == 0)
            {
                owner?.Complete(KvReply.Ok);
                continue;
            }
            KvCommand command;
            long timestamp;
            SessionStamp stamp;
            try
            {
                command = KvCommandCodec.Decode(entry.Data.Span, out timestamp, out stamp);
            }
            catch (FormatException ex)
            {
                // Every node skips the same undecodable entry, so state stays identical.
                LogBadEntry(entry.Index, ex.Message);
                owner?.Complete(KvReply.Error("ERR internal: undecodable command"));
                continue;
            }
            // KvStateMachine counts log positions as long; Raft indexes stay far below 2^63.
            entries.Add(new KvEntry((long)entry.Index, timestamp, command, stamp));
            alarmChanged |= command.Op == KvOp.SetAlarm;
            if (command.Op == KvOp.DigestMark)
            {
                // The mark ends its batch, so the state is exactly at its index when the digest's checkpoint is made;
                // its proposer hears of it once the digest is under way.
                owners.Add(null);
                var digest = ExpectDigest(entry.Index);
                ApplyCommands(entries, owners);
                StartDigest(entry.Index, digest);
                owner?.Complete(KvReply.Int((long)entry.Index), WriteOutcome.Applied);
                continue;
            }
            owners.Add(owner);
        }
        ApplyCommands(entries, owners);
        if (alarmChanged)
        {
            // The log's alarm rules now: one raised here is in it, or was disarmed (on whichever node).
            _corruptAlarm = null;
            PublishStatus();
        }
        if (committed[end - 1].Index <= _applied)
        {
            return;
        }
        // The state machine's applied index is the driver's too, also when the last entry changed no data.
        _machine.ApplyNothing((long)committed[end - 1].Index);
        Volatile.Write(ref _applied, committed[end - 1].Index);
    }

    private void ApplyCommands(List<KvEntry> entries, List<PendingReply?> owners)
    {
        if (entries.Count == 0)
        {
            return;
        }
        var replies = new KvReply[entries.Count];
        try
        {
            // The Raft log is the durability boundary: the state machine need not sync.
            _machine.Apply(entries.ToArray(), replies, sync: false);
        }
        catch (Exception ex)
        {
            // Only a storage failure gets here, and the group stops on it. The entries are committed, so
            // they are applied after a restart (or by the other replicas): whether that counts as done is
            // not this node's to say.
            owners.ForEach(o => o?.Complete(KvReply.Error(UnknownOutcome($"this node stopped: {ex.Message}")), WriteOutcome.Unknown));
            throw;
        }
        for (var i = 0; i < replies.Length; i++)
        {
            owners[i]?.Complete(replies[i], WriteOutcome.Applied);
        }
        entries.Clear();
        owners.Clear();
    }

    private void ApplyChange(Entry entry, PendingReply? owner)
    {
        ConfChange change;
        MemberInfo? member = null;
        try
        {
            change = ConfChange.Decode(entry.Data.Span);
            if (change.Context is { Length: > 0 } context)
            {
                member = MemberInfo.Decode(context);
            }
        }
        catch (FormatException ex)
        {
            LogBadEntry(entry.Index, ex.Message);
            owner?.Complete(KvReply.Error("ERR internal: undecodable membership change"));
            return;
        }
        var conf = _node.ApplyConfChange(change);
        _log.SetConf(_options.GroupId, conf);
        _log.Sync();
        var key = MemberKey(change.NodeId);
        if (change.Type == ConfChangeType.RemoveNode)
        {
            _members.Remove(change.NodeId);
            _machine.ApplyClusterRecord((long)entry.Index, key, []);
        }
        else if (member is not null && member.Id == change.NodeId)
        {
            _members[change.NodeId] = member;
            _machine.ApplyClusterRecord((long)entry.Index, key, member.Encode());
        }
        if (_promotion == change.NodeId)
        {
            _promotion = 0;
        }
        LogMembershipChanged(change.Type.ToString(), MemberName(change.NodeId), string.Join(",", conf.Voters.Select(MemberName)), string.Join(",", conf.Learners.Select(MemberName)));
        _transport?.MembersChanged(_members.Values.ToList());
        _machine.ApplyNothing((long)entry.Index);
        Volatile.Write(ref _applied, entry.Index);
        owner?.Complete(KvReply.Ok);
        PublishStatus();
    }
}
