using System.Text;
using Cairn.Raft.Log;

namespace Cairn.Raft.Tests;

/// <summary>
/// A whole cluster in one process, driven by one seed: a network that drops, duplicates, reorders
/// and partitions; crashes that lose whatever was not yet persisted (even mid-Ready); restarts;
/// client proposals. After every step the safety invariants are checked; <see cref="CheckLiveness"/>
/// then requires a leader and a commit once faults stop. The same seed replays the same run.
/// </summary>
public sealed class Simulation
{
    public const int ElectionTicks = 10;

    private readonly Random _random;
    private readonly int _seed;
    private readonly SimNode[] _nodes;
    private readonly List<Message> _network = [];
    private readonly HashSet<(ulong, ulong)> _cut = [];
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = [];
    // The one sequence every node's applied entries must be a prefix of, by log index.
    private readonly List<(ulong Term, string Data)> _applied = [(0, "")];
    private readonly HashSet<string> _acknowledged = [];
    // Per read request: the highest index applied anywhere (reported to a client) when it was asked.
    private readonly Dictionary<string, ulong> _readFloor = [];
    private readonly StringBuilder _trace = new();
    // Snapshot payloads by id: the state machine (applied entries) as of the snapshot's index.
    private readonly List<List<Entry>> _snapshots = [];
    private int _step;
    private int _proposals;

    public Simulation(int seed, int nodes)
    {
        _seed = seed;
        _random = new Random(seed);
        var ids = Enumerable.Range(1, nodes).Select(i => (ulong)i).ToArray();
        _nodes = ids.Select(id => new SimNode(id, new MemoryStorage(ids))).ToArray();
        foreach (var node in _nodes)
        {
            Start(node);
        }
    }

    public bool Faults { get; set; } = true;

    public int Steps => _step;

    public int Acknowledged => _acknowledged.Count;

    public int ReadsAnswered { get; private set; }

    /// <summary>Membership changes committed (counted once, at the first node that applies each).</summary>
    public int MembershipChanges { get; private set; }

    public int SnapshotsInstalled { get; private set; }

    public void Run(int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            _step++;
            var roll = _random.Next(100);
            if (roll < 40)
            {
                Tick(_nodes[_random.Next(_nodes.Length)]);
            }
            else if (roll < 83)
            {
                Deliver();
            }
            else if (roll < 92)
            {
                Propose(_nodes[_random.Next(_nodes.Length)]);
            }
            else if (roll < 96)
            {
                ReadIndex(_nodes[_random.Next(_nodes.Length)]);
            }
            else if (Faults)
            {
                Fault();
            }
            ProcessReadies();
            CheckLogMatching();
        }
        CheckLogMatching();
    }

    /// <summary>Stops faults, restarts and reconnects everyone, and requires progress within a bound.</summary>
    public void CheckLiveness()
    {
        Faults = false;
        _cut.Clear();
        foreach (var node in _nodes.Where(n => n.Raft is null))
        {
            Start(node);
        }
        var marker = $"liveness-{_seed}";
        var proposedAt = -1;
        for (var round = 0; round < 60 * ElectionTicks; round++)
        {
            foreach (var node in _nodes)
            {
                Tick(node);
            }
            for (var pass = 0; pass < 4 && _network.Count > 0; pass++)
            {
                while (_network.Count > 0)
                {
                    Deliver();
                    ProcessReadies();
                }
            }
            ProcessReadies();
            var leader = _nodes.FirstOrDefault(n => n.Raft!.SoftState.State == StateType.Leader);
            // Like a client, retry a proposal that a deposed leader may have lost.
            if (leader is not null && (proposedAt < 0 || round - proposedAt > 5 * ElectionTicks))
            {
                try
                {
                    leader.Raft!.Propose(Encoding.UTF8.GetBytes(marker));
                }
                catch (ProposalDroppedException)
                {
                    // Mid-transfer: retried on a later round.
                }
                proposedAt = round;
                ProcessReadies();
            }
            var members = leader is null ? [] : _nodes.Where(n => leader.Raft!.Conf.IsMember(n.Id)).ToList();
            if (proposedAt >= 0 && members.Count > 0 && members.All(n => n.AppliedData.Contains(marker)))
            {
                CheckLogMatching();
                foreach (var node in members)
                {
                    foreach (var ack in _acknowledged)
                    {
                        Require(node.AppliedData.Contains(ack), $"node {node.Id} lacks acknowledged proposal {ack}");
                    }
                }
                return;
            }
        }
        var progress = _nodes.Where(n => n.Raft!.SoftState.State == StateType.Leader)
            .SelectMany(n => n.Raft!.Progress.Select(p => $"{p.Key}: {p.Value}"));
        Fail($"no progress after faults stopped: {string.Join("; ", _nodes.Select(n => $"{n.Id}:{n.Raft!.SoftState.State} t{n.Raft.HardState.Term} last{n.Raft.LastIndex} applied{n.Raft.Applied} first{n.Storage.FirstIndex()}"))}; leader's view: {string.Join(", ", progress)}");
    }

    private void Start(SimNode node)
    {
        node.Restarts++;
        node.Raft = new RawNode(new RaftConfig
        {
            Id = node.Id,
            ElectionTicks = ElectionTicks,
            HeartbeatTicks = 1,
            // Vary flow control by seed: one entry per append on some, batches on others.
            MaxInflightMessages = 1 + _seed % 8,
            MaxMessageBytes = _seed % 3 == 0 ? 1 : 200,
            Seed = _seed * 1000 + (int)node.Id * 10 + node.Restarts,
            // The state machine is durable together with its applied index and membership, as an
            // application's must be: a restart resumes after what was applied.
            Applied = (ulong)node.AppliedEntries.Count,
        }, node.Storage);
    }

    private void Tick(SimNode node) => node.Raft?.Tick();

    private void Propose(SimNode node)
    {
        if (node.Raft is null)
        {
            return;
        }
        var data = $"p{_seed}-{++_proposals}";
        try
        {
            node.Raft.Propose(Encoding.UTF8.GetBytes(data));
        }
        catch (ProposalDroppedException)
        {
            // No leader known: a client would retry elsewhere.
        }
    }

    private void ReadIndex(SimNode node)
    {
        if (node.Raft is null)
        {
            return;
        }
        var context = $"r{_seed}-{_readFloor.Count}";
        _readFloor[context] = (ulong)_applied.Count - 1;
        try
        {
            node.Raft.ReadIndex(Encoding.UTF8.GetBytes(context));
        }
        catch (ProposalDroppedException)
        {
            // No leader known: the client retries later.
        }
    }

    private void Deliver()
    {
        if (_network.Count == 0)
        {
            return;
        }
        // Any in-flight message may go next: delivery order is arbitrary (reordering).
        var index = _random.Next(_network.Count);
        var message = _network[index];
        _network.RemoveAt(index);
        var target = _nodes[(int)message.To - 1];
        var delivered = target.Raft is not null && !_cut.Contains((message.From, message.To)) && !(Faults && _random.Next(100) < 10);
        if (message.Type == MessageType.Snap)
        {
            // The transport tells the leader how the send went; a lost snapshot must not stall the follower.
            _nodes[(int)message.From - 1].Raft?.ReportSnapshot(message.To, failed: !delivered);
            Note($"snap {message.From}->{message.To} at {message.Snapshot!.Index} t{message.Term} {(delivered ? "delivered" : "lost")}");
        }
        if (!delivered)
        {
            return;
        }
        if (Faults && _random.Next(100) < 5)
        {
            _network.Add(message);
        }
        target.Raft!.Step(message);
    }

    private void Fault()
    {
        switch (_random.Next(6))
        {
            case 5:
                ChangeMembership();
                break;
            case 4:
                var leader = _nodes.FirstOrDefault(n => n.Raft?.SoftState.State == StateType.Leader);
                if (leader is not null)
                {
                    var target = _nodes[_random.Next(_nodes.Length)].Id;
                    Note($"transfer {leader.Id} -> {target}");
                    leader.Raft!.TransferLeader(target);
                }
                break;
            case 0:
                var victim = _nodes[_random.Next(_nodes.Length)];
                if (victim.Raft is not null)
                {
                    Note($"crash {victim.Id}");
                    victim.Raft = null;
                }
                break;
            case 1:
                var down = _nodes.Where(n => n.Raft is null).ToList();
                if (down.Count > 0)
                {
                    var node = down[_random.Next(down.Count)];
                    Note($"restart {node.Id}");
                    Start(node);
                }
                break;
            case 2:
                _cut.Clear();
                var side = _nodes.Where(_ => _random.Next(2) == 0).Select(n => n.Id).ToHashSet();
                foreach (var a in _nodes)
                {
                    foreach (var b in _nodes)
                    {
                        if (side.Contains(a.Id) != side.Contains(b.Id))
                        {
                            _cut.Add((a.Id, b.Id));
                        }
                    }
                }
                Note($"partition {{{string.Join(",", side)}}}");
                break;
            default:
                _cut.Clear();
                Note("heal");
                break;
        }
    }

    /// <summary>At the leader: remove a voter (keeping at least three), add a non-member as learner, or promote a learner.</summary>
    private void ChangeMembership()
    {
        var leader = _nodes.FirstOrDefault(n => n.Raft?.SoftState.State == StateType.Leader);
        if (leader is null)
        {
            return;
        }
        var conf = leader.Raft!.Conf;
        var id = _nodes[_random.Next(_nodes.Length)].Id;
        ConfChange change;
        if (conf.Voters.Contains(id))
        {
            if (conf.Voters.Count <= 3)
            {
                return;
            }
            change = new ConfChange(ConfChangeType.RemoveNode, id);
        }
        else
        {
            change = new ConfChange(conf.Learners.Contains(id) ? ConfChangeType.AddVoter : ConfChangeType.AddLearner, id);
        }
        try
        {
            leader.Raft.ProposeConfChange(change);
            Note($"propose {change.Type} {id} at {leader.Id}");
        }
        catch (Exception ex) when (ex is ConfChangeRefusedException or ProposalDroppedException)
        {
            // One change at a time, and only once the leader has committed in its term.
        }
    }

    private void ProcessReadies()
    {
        bool any;
        do
        {
            any = false;
            foreach (var node in _nodes)
            {
                if (node.Raft is { HasReady: true } raft)
                {
                    any = true;
                    HandleReady(node, raft);
                }
            }
        }
        while (any);
    }

    private void HandleReady(SimNode node, RawNode raft)
    {
        var ready = raft.Ready();
        if (Faults && _random.Next(1000) < 15)
        {
            // Crash before anything of this Ready reached the disk: its entries, vote and term are lost.
            Note($"crash {node.Id} before persisting");
            node.Raft = null;
            return;
        }
        if (ready.Snapshot is { } snapshot)
        {
            InstallSnapshot(node, snapshot);
        }
        node.Storage.Append(ready.Entries);
        if (ready.HardState is { } hard)
        {
            node.Storage.SetHardState(hard);
        }
        if (ready.SoftState is { State: StateType.Leader })
        {
            CheckNewLeader(node, raft.HardState.Term);
        }
        // Losses happen in Deliver, where the transport learns of them (and reports lost snapshots).
        _network.AddRange(ready.Messages.Select(m => m.Detached()));
        foreach (var entry in ready.CommittedEntries)
        {
            Apply(node, entry);
        }
        MaybeCompact(node, raft);
        foreach (var read in ready.ReadStates)
        {
            // Thesis §6.4: a read index covers every write acknowledged before the read was asked.
            var context = Encoding.UTF8.GetString(read.Context);
            Require(read.Index >= _readFloor[context], $"read {context} answered with index {read.Index}, below {_readFloor[context]} applied before it was asked");
            ReadsAnswered++;
        }
        raft.Advance(ready);
    }

    /// <summary>Now and then a node snapshots its state machine and drops the log it covers.</summary>
    private void MaybeCompact(SimNode node, RawNode raft)
    {
        var applied = (ulong)node.AppliedEntries.Count;
        if (applied < node.Storage.FirstIndex() + 8 || _random.Next(10) != 0)
        {
            return;
        }
        _snapshots.Add([.. node.AppliedEntries]);
        node.Storage.CreateSnapshot(applied, raft.Conf, BitConverter.GetBytes(_snapshots.Count - 1));
        node.Storage.Compact(applied - (ulong)_random.Next(3));
        Note($"{node.Id} compacted to {node.Storage.FirstIndex() - 1}");
    }

    /// <summary>A follower takes the leader's state machine as of the snapshot; it must agree with what everyone applied.</summary>
    private void InstallSnapshot(SimNode node, Snapshot snapshot)
    {
        var state = _snapshots[BitConverter.ToInt32(snapshot.Data.Span)];
        Require((ulong)state.Count == snapshot.Index, $"snapshot at {snapshot.Index} holds {state.Count} entries");
        node.Storage.ApplySnapshot(snapshot);
        node.AppliedEntries.Clear();
        node.AppliedData.Clear();
        foreach (var entry in state)
        {
            node.AppliedEntries.Add(entry);
            var known = _applied[(int)entry.Index];
            Require(known.Term == entry.Term, $"snapshot for node {node.Id} disagrees at {entry.Index}");
            if (entry.Type == EntryType.Normal && entry.Data.Length > 0)
            {
                node.AppliedData.Add(Encoding.UTF8.GetString(entry.Data.Span));
            }
        }
        SnapshotsInstalled++;
        Note($"{node.Id} installed snapshot at {snapshot.Index}");
    }

    private void Apply(SimNode node, Entry entry)
    {
        var expected = node.AppliedEntries.Count + 1;
        Require(entry.Index == (ulong)expected, $"node {node.Id} applied index {entry.Index}, expected {expected}");
        string data;
        if (entry.Type == EntryType.ConfChange)
        {
            var change = ConfChange.Decode(entry.Data.Span);
            data = $"conf:{change.Type}:{change.NodeId}";
            node.Storage.SetConf(node.Raft!.ApplyConfChange(change));
            Note($"{node.Id} applied {data} at {entry.Index}");
        }
        else
        {
            data = Encoding.UTF8.GetString(entry.Data.Span);
        }
        if (entry.Index < (ulong)_applied.Count)
        {
            var known = _applied[(int)entry.Index];
            Require(known.Term == entry.Term && known.Data == data,
                $"node {node.Id} applied ({entry.Term}, '{data}') at {entry.Index} where ({known.Term}, '{known.Data}') was applied");
        }
        else
        {
            _applied.Add((entry.Term, data));
            if (entry.Type == EntryType.ConfChange)
            {
                MembershipChanges++;
            }
        }
        node.AppliedEntries.Add(entry);
        if (data.Length > 0 && entry.Type == EntryType.Normal)
        {
            node.AppliedData.Add(data);
            _acknowledged.Add(data);
        }
    }

    /// <summary>Election safety (§5.2) and leader completeness (§5.4): one leader per term, holding every applied entry.</summary>
    private void CheckNewLeader(SimNode node, ulong term)
    {
        if (_leaderOfTerm.TryGetValue(term, out var other))
        {
            Require(other == node.Id, $"two leaders in term {term}: {other} and {node.Id}");
        }
        _leaderOfTerm[term] = node.Id;
        Note($"leader {node.Id} term {term}");
        var log = node.Storage;
        for (var i = (int)log.FirstIndex(); i < _applied.Count; i++)
        {
            Require((ulong)i <= log.LastIndex() && log.Term((ulong)i) == _applied[i].Term,
                $"leader {node.Id} of term {term} lacks applied entry {i} (term {_applied[i].Term})");
        }
        for (var i = 1; i < (int)log.FirstIndex() && i < _applied.Count; i++)
        {
            Require(i <= node.AppliedEntries.Count, $"leader {node.Id} of term {term} compacted entry {i} it never applied");
        }
    }

    /// <summary>Log matching (§5.3): two logs with an entry of the same index and term agree on everything up to it.</summary>
    private void CheckLogMatching()
    {
        var logs = _nodes.Select(n => n.Storage.All.ToDictionary(e => e.Index)).ToArray();
        for (var a = 0; a < logs.Length; a++)
        {
            for (var b = a + 1; b < logs.Length; b++)
            {
                var shared = logs[a].Keys.Where(logs[b].ContainsKey).Order().ToList();
                var agreeUpTo = shared.LastOrDefault(i => logs[a][i].Term == logs[b][i].Term);
                foreach (var i in shared.Where(i => i <= agreeUpTo))
                {
                    Require(logs[a][i].Term == logs[b][i].Term && logs[a][i].Data.Span.SequenceEqual(logs[b][i].Data.Span),
                        $"logs of {a + 1} and {b + 1} match at {agreeUpTo} but differ at {i}");
                }
            }
        }
    }

    private void Note(string what)
    {
        if (_trace.Length < 200_000)
        {
            _trace.Append(_step).Append(": ").Append(what).Append('\n');
        }
    }

    private void Require(bool condition, string message)
    {
        if (!condition)
        {
            Fail(message);
        }
    }

    private void Fail(string message) =>
        throw new SimulationFailure($"seed {_seed}, step {_step}: {message}\nreplay: CAIRN_SIM_SEED={_seed}\ntrace tail:\n{TraceTail()}");

    private string TraceTail()
    {
        var lines = _trace.ToString().Split('\n');
        return string.Join('\n', lines.TakeLast(40));
    }

    private sealed class SimNode(ulong id, MemoryStorage storage)
    {
        public ulong Id { get; } = id;

        public MemoryStorage Storage { get; } = storage;

        public RawNode? Raft { get; set; }

        public int Restarts { get; set; }

        public List<Entry> AppliedEntries { get; } = [];

        public HashSet<string> AppliedData { get; } = [];
    }
}

public sealed class SimulationFailure(string message) : Exception(message);
