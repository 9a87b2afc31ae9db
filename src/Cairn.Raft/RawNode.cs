using Cairn.Raft.Log;

namespace Cairn.Raft;

/// <summary>
/// The driver's handle on one Raft node. Single-threaded: the driver calls Tick, Step, Propose and
/// Campaign, then, when <see cref="HasReady"/>, takes a <see cref="Ready"/>, does what it says in its
/// order (persist, send, apply) and calls <see cref="Advance"/> before stepping again.
/// </summary>
public sealed class RawNode
{
    private const long MaxCommittedBytesPerReady = 64L * 1024 * 1024;

    private readonly Raft _raft;
    private SoftState _previousSoft;
    private HardState _previousHard;

    public RawNode(RaftConfig config, IRaftStorage storage)
    {
        _raft = new Raft(config, storage);
        _previousSoft = _raft.SoftState;
        _previousHard = storage.InitialState();
    }

    public ulong Id => _raft.Id;

    public SoftState SoftState => _raft.SoftState;

    public HardState HardState => _raft.HardState;

    public ulong LastIndex => _raft.Log.LastIndex();

    public ulong Applied => _raft.Log.Applied;

    /// <summary>Advances logical time by one tick (election and heartbeat timers).</summary>
    public void Tick() => _raft.Tick();

    /// <summary>Starts an election now (with a pre-vote round first when PreVote is on).</summary>
    public void Campaign() => _raft.Step(new Message { Type = MessageType.Hup, From = Id });

    /// <summary>
    /// Proposes an entry. A follower forwards it to the leader; with no leader known it throws
    /// <see cref="ProposalDroppedException"/>. Acceptance is not commitment: watch CommittedEntries.
    /// </summary>
    public void Propose(ReadOnlyMemory<byte> data) => _raft.Step(new Message
    {
        GroupId = _raft.GroupId,
        Type = MessageType.Propose,
        From = Id,
        Entries = new[] { new Entry(0, 0, EntryType.Normal, data) },
    });

    /// <summary>
    /// Proposes many entries at once. On the leader they go straight into the log (nothing allocated per
    /// entry); elsewhere they are forwarded as one message, or refused as <see cref="Propose"/> is.
    /// </summary>
    public void ProposeBatch(ReadOnlySpan<ReadOnlyMemory<byte>> batch)
    {
        if (_raft.ProposeLocal(batch))
        {
            return;
        }
        var entries = new Entry[batch.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new Entry(0, 0, EntryType.Normal, batch[i]);
        }
        _raft.Step(new Message { GroupId = _raft.GroupId, Type = MessageType.Propose, From = Id, Entries = entries });
    }

    /// <summary>
    /// Proposes one membership change. The leader refuses (throws <see cref="ConfChangeRefusedException"/>)
    /// while another change is unapplied or before it has committed an entry of its term; a follower
    /// forwards it. The change takes effect when applied: call <see cref="ApplyConfChange"/> then.
    /// </summary>
    public void ProposeConfChange(ConfChange change) => _raft.Step(new Message
    {
        GroupId = _raft.GroupId,
        Type = MessageType.Propose,
        From = Id,
        Entries = new[] { new Entry(0, 0, EntryType.ConfChange, change.Encode()) },
    });

    /// <summary>Applies a committed membership change (when its entry is applied); persist the returned configuration.</summary>
    public ConfState ApplyConfChange(ConfChange change) => _raft.ApplyConfChange(change);

    /// <summary>The transport reports how sending a snapshot to <paramref name="to"/> ended; a failure makes the leader try again later.</summary>
    public void ReportSnapshot(ulong to, bool failed) => _raft.ReportSnapshot(to, failed);

    /// <summary>The current members.</summary>
    public ConfState Conf => _raft.Conf;

    /// <summary>
    /// Hands leadership to <paramref name="transferee"/> (thesis §3.10): the leader stops accepting proposals,
    /// brings the transferee up to date and tells it to campaign at once. Abandoned after an election timeout.
    /// On a follower the request is forwarded to the leader.
    /// </summary>
    public void TransferLeader(ulong transferee) => _raft.Step(new Message { GroupId = _raft.GroupId, Type = MessageType.TransferLeader, From = transferee });

    /// <summary>
    /// Asks for a linearizable read point. Once confirmed, a <see cref="ReadState"/> with this context
    /// appears in a Ready; serve the read after applying up to its index. With no leader known it throws
    /// <see cref="ProposalDroppedException"/>; a request lost on the way is simply never answered (retry).
    /// </summary>
    public void ReadIndex(byte[] context) => _raft.Step(new Message
    {
        GroupId = _raft.GroupId,
        Type = MessageType.ReadIndex,
        From = Id,
        Entries = new[] { new Entry(0, 0, EntryType.Normal, context) },
    });

    /// <summary>
    /// Steps a message from the network. Messages for another group, local-only types and responses
    /// from non-members are ignored (returns false): a peer can never drive internal transitions.
    /// </summary>
    public bool Step(Message message)
    {
        if (message.GroupId != _raft.GroupId || Message.IsLocal(message.Type) || message.To != Id)
        {
            return false;
        }
        if (Message.IsResponse(message.Type) && !_raft.Progress.ContainsKey(message.From) && !_raft.Voters.Contains(message.From))
        {
            return false;
        }
        _raft.Step(message);
        return true;
    }

    public bool HasReady =>
        _raft.SoftState != _previousSoft
        || (!_raft.HardState.IsEmpty && _raft.HardState != _previousHard)
        || _raft.Log.Unstable.Count > 0
        || _raft.HasMessages
        || _raft.HasReadStates
        || _raft.Log.Unstable.Snapshot is not null
        || _raft.Log.HasNextCommitted;

    public Ready Ready()
    {
        var soft = _raft.SoftState;
        var hard = _raft.HardState;
        var entries = _raft.Log.Unstable.Entries;
        var snapshot = _raft.Log.Unstable.Snapshot;
        return new Ready
        {
            Snapshot = snapshot,
            SoftState = soft != _previousSoft ? soft : null,
            HardState = hard != _previousHard && !hard.IsEmpty ? hard : null,
            Entries = entries,
            CommittedEntries = _raft.Log.NextCommitted(MaxCommittedBytesPerReady),
            Messages = _raft.TakeMessages(),
            ReadStates = _raft.TakeReadStates(),
            MustSync = entries.Count > 0 || snapshot is not null || hard.Term != _previousHard.Term || hard.Vote != _previousHard.Vote,
        };
    }

    /// <summary>Reports a Ready as done: its entries persisted, its hard state written, its committed entries applied.</summary>
    public void Advance(Ready ready)
    {
        if (ready.SoftState is { } soft)
        {
            _previousSoft = soft;
        }
        if (ready.HardState is { } hard)
        {
            _previousHard = hard;
        }
        if (ready.Snapshot is { } snapshot)
        {
            _raft.Log.SnapshotInstalled(snapshot);
        }
        if (ready.Entries.Count > 0)
        {
            // Messages made since the Ready (a membership change applied meanwhile) are sent with the next one: their
            // entries must not point into the slots StableTo reclaims.
            _raft.DetachMessages();
            var last = ready.Entries[^1];
            _raft.Log.StableTo(last.Index, last.Term);
        }
        if (ready.CommittedEntries.Count > 0)
        {
            _raft.Log.AppliedTo(ready.CommittedEntries[^1].Index);
        }
    }

    /// <summary>The leader's view of each member (empty on followers), for introspection.</summary>
    public IReadOnlyDictionary<ulong, string> Progress =>
        _raft.State == StateType.Leader ? _raft.Progress.ToDictionary(p => p.Key, p => p.Value.ToString()) : new Dictionary<ulong, string>();

    /// <summary>The leader's replication state of each member, ordered by id (empty on followers).</summary>
    public IReadOnlyList<MemberProgress> Members =>
        _raft.State != StateType.Leader
            ? []
            : _raft.Progress.OrderBy(p => p.Key)
                .Select(p => new MemberProgress(p.Key, p.Value.IsLearner, p.Value.Match, p.Value.Next, p.Value.State, p.Value.RecentActive))
                .ToArray();

    /// <summary>The committed index as this node knows it.</summary>
    public ulong Committed => _raft.Log.Committed;
}
