using System.Buffers.Binary;
using Cairn.Raft;
using Cairn.StateMachine;
using Microsoft.Extensions.Logging;

namespace Cairn.Replication;

public sealed partial class RaftGroup
{
    // Members' addresses as recorded by applied membership changes (group thread only).
    private readonly Dictionary<ulong, MemberInfo> _members = [];
    // The learner whose promotion is proposed and not yet applied (0 = none).
    private ulong _promotion;
    private GroupStatus _status = null!;
    private static readonly KvCommand NoCommand = new(KvOp.DbSize, []);

    /// <summary>True until the node is a member of a group (bootstrapped, or added by a leader).</summary>
    private bool IsEmpty
    {
        get
        {
            var storage = _log.Storage(_options.GroupId);
            return storage.LastIndex() == 0 && storage.Conf().Voters.Count == 0 && (storage.Snapshot()?.Index ?? 0) == 0;
        }
    }

    /// <summary>What an operator sees of this group on this node, refreshed every tick and on role changes.</summary>
    public GroupStatus Status => Volatile.Read(ref _status);

    /// <summary>
    /// Makes this empty node a one-member group (RAFT.CLUSTER INIT). Fails if it already belongs to one.
    /// </summary>
    public Task<KvReply> BootstrapAsync() => OnGroupThread(() =>
    {
        if (!IsEmpty || _node.Conf.Voters.Count > 0)
        {
            return KvReply.Error("ERR Already cluster member");
        }
        WriteBootstrap([_options.NodeId]);
        _node = CreateNode();
        PublishStatus();
        return KvReply.Ok;
    });

    /// <summary>
    /// Proposes a membership change on the leader; completes when it is applied. Adding a node makes it a
    /// learner, promoted to voter once caught up. A follower refuses (the caller forwards to the leader).
    /// </summary>
    public Task<KvReply> ChangeMembershipAsync(ConfChange change) =>
        Enqueue(_proposals, new PendingReply(NoCommand, Deadline()) { Change = change, Forwarded = true });

    private void ProposeChange(PendingReply pending)
    {
        var change = pending.Change!.Value;
        if (change.Type == ConfChangeType.RemoveNode && !_node.Conf.IsMember(change.NodeId))
        {
            pending.Complete(KvReply.Error("ERR node id does not exist"));
            return;
        }
        if (change.Type == ConfChangeType.AddLearner && _node.Conf.IsMember(change.NodeId))
        {
            pending.Complete(KvReply.Error("ERR node id already exists"));
            return;
        }
        try
        {
            _node.ProposeConfChange(change);
        }
        catch (ConfChangeRefusedException ex)
        {
            pending.Complete(KvReply.Error("ERR " + ex.Message));
            return;
        }
        catch (ProposalDroppedException ex)
        {
            pending.Complete(KvReply.Error($"ERR {ex.Message}; the membership change was not made, try again"));
            return;
        }
        _inLog[_node.LastIndex] = (_node.HardState.Term, pending);
    }

    /// <summary>On the leader: proposes promotion of one learner whose log is within <see cref="RaftGroupOptions.PromotionLag"/> entries.</summary>
    private void PromoteCaughtUpLearners()
    {
        if (_node.SoftState.State != StateType.Leader || _promotion != 0)
        {
            return;
        }
        var last = _node.LastIndex;
        foreach (var member in _node.Members)
        {
            if (!member.IsLearner || member.Match == 0 || member.Match + _options.PromotionLag < last
                || (_members.TryGetValue(member.Id, out var added) && added.Learner))
            {
                continue;
            }
            var context = _members.TryGetValue(member.Id, out var info) ? info.Encode() : null;
            try
            {
                _node.ProposeConfChange(new ConfChange(ConfChangeType.AddVoter, member.Id, context));
                _promotion = member.Id;
                LogPromoting(MemberName(member.Id), member.Match, last);
            }
            catch (Exception ex) when (ex is ConfChangeRefusedException or ProposalDroppedException)
            {
                // Another change is in flight, or leadership is moving; try again next tick.
            }
            return;
        }
    }

    /// <summary>
    /// Writes the start of a new group: its configuration, and for a one-member group an entry recording
    /// this node's addresses (so nodes that join later learn them). Every voter of a multi-member bootstrap
    /// must write the same thing, so that one writes the configuration only.
    /// </summary>
    private void WriteBootstrap(IReadOnlyList<ulong> voters)
    {
        var groupId = _options.GroupId;
        _log.SetConf(groupId, new ConfState([.. voters.Order()], []));
        if (voters is [var only] && only == _options.NodeId)
        {
            var change = new ConfChange(ConfChangeType.AddVoter, only, _options.Self.Encode());
            _log.Append(groupId, [new Entry(1, 1, EntryType.ConfChange, change.Encode())]);
            _log.SetHardState(groupId, new HardState(1, 0, 1));
        }
        _log.Sync();
        LogBootstrapped(string.Join(",", voters.Select(MemberName)));
    }

    private RawNode CreateNode()
    {
        var storage = _log.Storage(_options.GroupId);
        ReconcileStoreAheadOfLog(storage);
        _persistedHard = storage.InitialState();
        _persistedLast = storage.LastIndex();
        // The state machine is durable up to its applied index; committed entries after it are redelivered.
        _applied = Math.Min((ulong)_machine.AppliedIndex, storage.InitialState().Commit);
        _applied = Math.Max(_applied, storage.Snapshot()?.Index ?? 0);
        var node = new RawNode(new RaftConfig
        {
            Id = _options.NodeId,
            GroupId = _options.GroupId,
            ElectionTicks = _options.ElectionTicks,
            HeartbeatTicks = _options.HeartbeatTicks,
            Applied = _applied,
            ReadOnly = _options.ReadOnly,
            Seed = HashCode.Combine(_options.NodeId, _options.GroupId, Environment.ProcessId),
        }, storage);
        if (storage.Conf().Voters is [var only] && only == _options.NodeId)
        {
            // Alone: no one to wait for.
            node.Campaign();
        }
        return node;
    }

    /// <summary>
    /// The store has applied entries the log no longer holds: a crash between a snapshot's swap into the store and
    /// the log's restart after it, or a log repair that cut it. In a group of several, those entries are committed
    /// (the store applies nothing else), so a majority holds them and this node cannot lead before its log has them
    /// again from the leader; the ones it then applies again are skipped as applied. A sole voter would lead at once
    /// and give new entries those indexes, to be skipped: its log restarts at the store's applied index instead (a
    /// snapshot in its newest term, with which nobody's log can disagree).
    /// </summary>
    private void ReconcileStoreAheadOfLog(Cairn.Raft.Log.IRaftStorage storage)
    {
        var applied = (ulong)_machine.AppliedIndex;
        if (applied <= storage.LastIndex())
        {
            return;
        }
        var conf = storage.Conf();
        if (conf.Voters is not [var only] || only != _options.NodeId || conf.Learners.Count > 0)
        {
            LogStoreAheadOfLog(applied, storage.LastIndex());
            return;
        }
        _log.InstallSnapshot(_options.GroupId, new Snapshot(applied, storage.InitialState().Term, conf, ReadOnlyMemory<byte>.Empty));
        _log.Sync();
        LogLogRestartedAtStore(applied);
    }

    private void LoadMembers()
    {
        _members.Clear();
        foreach (var (key, value) in _machine.ReadClusterRecords())
        {
            if (key.Length == 15 && key.AsSpan(0, 7).SequenceEqual("member/"u8))
            {
                try
                {
                    var member = MemberInfo.Decode(value);
                    _members[member.Id] = member;
                }
                catch (FormatException)
                {
                    // Written by this code; unreadable only if the store is damaged. The member's peers still introduce themselves.
                }
            }
        }
        _members[_options.NodeId] = _options.Self;
        _transport?.MembersChanged(_members.Values.ToList());
    }

    private static byte[] MemberKey(ulong id)
    {
        var key = new byte[15];
        "member/"u8.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(7), id);
        return key;
    }

    private string MemberName(ulong id) => _members.TryGetValue(id, out var member) ? member.Name : id.ToString("x16");

    private void PublishStatus()
    {
        var soft = _node.SoftState;
        var hard = _node.HardState;
        var progress = _node.Members.ToDictionary(m => m.Id);
        var conf = _node.Conf;
        var last = _node.LastIndex;
        var members = conf.Voters.Select(id => (id, voter: true)).Concat(conf.Learners.Select(id => (id, voter: false)))
            .OrderBy(m => m.id)
            .Select(m =>
            {
                _members.TryGetValue(m.id, out var info);
                progress.TryGetValue(m.id, out var p);
                var isSelf = m.id == _options.NodeId;
                return new MemberStatus(
                    m.id, info?.Name ?? m.id.ToString("x16"), info?.RaftAddress ?? "", info?.RespAddress ?? "", m.voter,
                    soft.State == StateType.Leader ? (isSelf ? last : p.Match) : null,
                    soft.State == StateType.Leader ? (isSelf ? "self" : p.State.ToString().ToLowerInvariant()) : (isSelf ? "self" : "unknown"),
                    soft.State != StateType.Leader || isSelf || p.RecentActive);
            })
            .ToArray();
        _members.TryGetValue(soft.Lead, out var leader);
        Volatile.Write(ref _status, new GroupStatus
        {
            NodeId = _options.NodeId,
            Name = _options.Self.Name,
            Role = conf.Voters.Count == 0 && conf.Learners.Count == 0 ? "uninitialized" : conf.Learners.Contains(_options.NodeId) && soft.State == StateType.Follower ? "learner" : soft.State.ToString().ToLowerInvariant(),
            IsLeader = soft.State == StateType.Leader,
            SoleVoter = conf.Voters is [var only] && only == _options.NodeId,
            Term = hard.Term,
            LeaderId = soft.Lead,
            Leader = leader,
            CommitIndex = _node.Committed,
            AppliedIndex = _applied,
            LastIndex = last,
            FirstIndex = _log.Storage(_options.GroupId).FirstIndex(),
            SnapshotIndex = SnapshotIndex,
            SnapshotTerm = _log.Storage(_options.GroupId).Snapshot()?.Term ?? 0,
            SnapshotsTaken = SnapshotsTaken,
            SnapshotsSent = SnapshotsSent,
            SnapshotsInstalled = SnapshotsInstalled,
            SendingSnapshots = _sendingSnapshots.Count,
            LeaderChanges = Interlocked.Read(ref _leaderChanges),
            LastSnapshotBytes = Interlocked.Read(ref _lastSnapshotBytes),
            Members = members,
            CorruptAlarm = CorruptAlarm,
            Forwarding = new ForwardingStatus(_forwarder.Session, _forwarder.Unanswered, _forwarder.Resent, _forwarder.Renewed, _machine.SessionCount),
        });
    }

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Bootstrapped a new group with voters {Voters}")]
    private partial void LogBootstrapped(string voters);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "Membership change {Change} {Node} applied: voters {Voters}, learners {Learners}")]
    private partial void LogMembershipChanged(string change, string node, string voters, string learners);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "Promoting learner {Node} to voter (match {Match}, last index {Last})")]
    private partial void LogPromoting(string node, ulong match, ulong last);
}

/// <summary>A group as one node sees it.</summary>
public sealed record GroupStatus
{
    public required ulong NodeId { get; init; }

    public required string Name { get; init; }

    /// <summary>leader, follower, candidate, precandidate, learner or uninitialized.</summary>
    public required string Role { get; init; }

    public required bool IsLeader { get; init; }

    /// <summary>This node is the only voter: as leader, its applied state reflects every acknowledged write.</summary>
    public required bool SoleVoter { get; init; }

    public required ulong Term { get; init; }

    public required ulong LeaderId { get; init; }

    public MemberInfo? Leader { get; init; }

    public required ulong CommitIndex { get; init; }

    public required ulong AppliedIndex { get; init; }

    public required ulong LastIndex { get; init; }

    public required ulong FirstIndex { get; init; }

    /// <summary>The latest snapshot: the log holds nothing it needs before this index.</summary>
    public ulong SnapshotIndex { get; init; }

    public ulong SnapshotTerm { get; init; }

    public long SnapshotsTaken { get; init; }

    /// <summary>Why writes are refused after replicas' digests differed (RAFT.CHECK), or null.</summary>
    public string? CorruptAlarm { get; init; }

    public long SnapshotsSent { get; init; }

    public long SnapshotsInstalled { get; init; }

    /// <summary>Checkpoints being sent to followers now.</summary>
    public int SendingSnapshots { get; init; }

    /// <summary>Size of the last snapshot (checkpoint files) this node sent to a follower; 0 if none yet.</summary>
    public long LastSnapshotBytes { get; init; }

    /// <summary>Times this node has seen a new leader (or lost one) since it started.</summary>
    public long LeaderChanges { get; init; }

    public required IReadOnlyList<MemberStatus> Members { get; init; }

    public ForwardingStatus Forwarding { get; init; } = new(0, 0, 0, 0, 0);
}

/// <summary>
/// This node's forwarding session (id, writes out and not answered, writes sent again, sessions ended and replaced),
/// and the sessions its state machine holds (every follower's, open or closed).
/// </summary>
public sealed record ForwardingStatus(ulong Session, int Unanswered, long Resent, long Renewed, int Sessions);

/// <summary>
/// One member: <see cref="Match"/> (how far its log matches the leader's) and <see cref="State"/>
/// (probe, replicate, snapshot) are known only on the leader.
/// </summary>
public sealed record MemberStatus(ulong Id, string Name, string RaftAddress, string RespAddress, bool Voter, ulong? Match, string State, bool Active);
