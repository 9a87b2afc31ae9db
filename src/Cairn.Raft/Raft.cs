using Cairn.Raft.Log;
using Cairn.Raft.Quorum;
using Cairn.Raft.Tracker;

namespace Cairn.Raft;

/// <summary>
/// The Raft consensus algorithm for one node of one group, as a deterministic state machine: input
/// is <see cref="Tick"/> and <see cref="Step"/>, output is appended entries, state changes and
/// messages collected for the next Ready. No I/O, clock, thread, task or lock; randomness comes from
/// the configured seed. Role behaviour is one step function per role, swapped on transition.
/// </summary>
internal sealed partial class Raft
{
    public const ulong None = 0;

    private readonly RaftConfig _config;
    private readonly Random _random;
    private readonly List<Message> _messages = [];
    private readonly Dictionary<ulong, bool> _votes = [];
    private readonly ReadOnlyRequests _readOnly = new();
    // Read-index requests that arrived before this leader committed an entry of its term.
    private readonly List<Message> _pendingReadIndex = [];
    private readonly List<ReadState> _readStates = [];
    private HashSet<ulong> _learners;
    // Index of the last membership change in the log that may not be applied yet; a new one waits for it.
    private ulong _pendingConfIndex;
    private Action<Message> _step;
    private int _electionElapsed;
    private int _heartbeatElapsed;
    private int _randomizedElectionTimeout;

    public Raft(RaftConfig config, IRaftStorage storage)
    {
        config.Validate();
        _config = config;
        _random = new Random(config.Seed);
        Id = config.Id;
        Log = new RaftLog(storage, config.Applied);
        var conf = storage.Conf();
        Voters = new MajorityConfig(conf.Voters);
        _learners = [.. conf.Learners];
        var hardState = storage.InitialState();
        Term = hardState.Term;
        Vote = hardState.Vote;
        _step = StepFollower;
        BecomeFollower(Term, None);
    }

    public ulong Id { get; }

    public ulong GroupId => _config.GroupId;

    public ulong Term { get; private set; }

    public ulong Vote { get; private set; }

    public ulong Lead { get; private set; }

    /// <summary>The member leadership is being handed to, or None.</summary>
    public ulong LeadTransferee { get; private set; }

    public StateType State { get; private set; }

    public RaftLog Log { get; }

    public MajorityConfig Voters { get; private set; }

    public Dictionary<ulong, Progress> Progress { get; } = [];

    public HardState HardState => new(Term, Vote, Log.Committed);

    public SoftState SoftState => new(Lead, State);

    public ConfState Conf => new(Voters.Voters.ToArray(), _learners.Order().ToArray());

    /// <summary>Messages produced since the last Ready; the caller takes them.</summary>
    public List<Message> TakeMessages()
    {
        var taken = new List<Message>(_messages);
        _messages.Clear();
        return taken;
    }

    public bool HasMessages => _messages.Count > 0;

    /// <summary>
    /// Copies the entries of messages not yet taken out of the log's unstable buffer: called before that buffer is
    /// reclaimed (Advance), since messages made after a Ready (by ApplyConfChange) may hold views into it.
    /// </summary>
    public void DetachMessages()
    {
        for (var i = 0; i < _messages.Count; i++)
        {
            _messages[i] = _messages[i].Detached();
        }
    }

    /// <summary>Read states released since the last Ready; the caller takes them.</summary>
    public List<ReadState> TakeReadStates()
    {
        var taken = new List<ReadState>(_readStates);
        _readStates.Clear();
        return taken;
    }

    public bool HasReadStates => _readStates.Count > 0;

    private bool Promotable => Voters.Contains(Id);

    public void Tick()
    {
        if (State == StateType.Leader)
        {
            TickHeartbeat();
        }
        else
        {
            TickElection();
        }
    }

    private void TickElection()
    {
        _electionElapsed++;
        if (Promotable && _electionElapsed >= _randomizedElectionTimeout)
        {
            _electionElapsed = 0;
            Step(new Message { Type = MessageType.Hup, From = Id });
        }
    }

    private void TickHeartbeat()
    {
        _heartbeatElapsed++;
        _electionElapsed++;
        if (_electionElapsed >= _config.ElectionTicks)
        {
            _electionElapsed = 0;
            if (_config.CheckQuorum)
            {
                Step(new Message { Type = MessageType.CheckQuorum, From = Id });
            }
            // A transfer not done within an election timeout is abandoned (thesis §3.10).
            if (State == StateType.Leader)
            {
                LeadTransferee = None;
            }
        }
        if (State == StateType.Leader && _heartbeatElapsed >= _config.HeartbeatTicks)
        {
            _heartbeatElapsed = 0;
            Step(new Message { Type = MessageType.Beat, From = Id });
        }
    }

    private void Reset(ulong term)
    {
        if (Term != term)
        {
            Term = term;
            Vote = None;
        }
        Lead = None;
        LeadTransferee = None;
        _electionElapsed = 0;
        _heartbeatElapsed = 0;
        _randomizedElectionTimeout = _config.ElectionTicks + _random.Next(_config.ElectionTicks);
        _votes.Clear();
        _readOnly.Clear();
        _pendingReadIndex.Clear();
        Progress.Clear();
        var last = Log.LastIndex();
        foreach (var id in Voters.Voters.Concat(_learners))
        {
            var progress = new Progress(last + 1, _config.MaxInflightMessages, isLearner: _learners.Contains(id));
            if (id == Id)
            {
                progress.Match = last;
            }
            Progress[id] = progress;
        }
    }

    public void BecomeFollower(ulong term, ulong lead)
    {
        _step = StepFollower;
        Reset(term);
        Lead = lead;
        State = StateType.Follower;
    }

    private void BecomePreCandidate()
    {
        if (State == StateType.Leader)
        {
            throw new InvalidOperationException("leader cannot become pre-candidate");
        }
        // A pre-candidate changes neither term nor vote: the poll must not disturb anyone.
        _step = StepCandidate;
        _votes.Clear();
        Lead = None;
        State = StateType.PreCandidate;
    }

    private void BecomeCandidate()
    {
        if (State == StateType.Leader)
        {
            throw new InvalidOperationException("leader cannot become candidate");
        }
        _step = StepCandidate;
        Reset(Term + 1);
        Vote = Id;
        State = StateType.Candidate;
    }

    private void BecomeLeader()
    {
        if (State == StateType.Follower)
        {
            throw new InvalidOperationException("follower cannot become leader directly");
        }
        _step = StepLeader;
        Reset(Term);
        Lead = Id;
        State = StateType.Leader;
        Progress[Id].BecomeReplicate();
        // Any change in the log may still be unapplied: none is accepted until everything up to here is applied.
        _pendingConfIndex = Log.LastIndex();
        // §8: an empty entry of the new term commits everything before it once replicated.
        AppendEntries([new Entry(0, 0, EntryType.Normal, ReadOnlyMemory<byte>.Empty)]);
    }

    private void Send(Message message) => _messages.Add(message);
}
