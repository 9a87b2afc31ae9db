using System.Text;
using Cairn.Raft;
using Cairn.StateMachine;
using Cairn.Storage;
using Cairn.Storage.Wal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Replication.Tests;

public sealed partial class RaftGroupTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-group-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private static RaftGroupOptions Options(ulong node, params ulong[] voters) => new()
    {
        GroupId = 1, Self = new MemberInfo(node, $"n{node}", "", ""), InitialVoters = voters, TickInterval = TimeSpan.FromMilliseconds(20),
    };

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task ASingleNodeGroupServesWritesAndReadsAndRecoversFromItsLog()
    {
        var logPath = Path.Combine(_directory, "log");
        using (var log = SegmentedLogStore.Open(logPath))
        {
            var machine = new KvStateMachine(new InMemoryKvEngine());
            await using var group = new RaftGroup(Options(1, 1), log, machine, null, NullLogger.Instance);
            await Until(() => group.SoftState.State == StateType.Leader, "leadership");
            Assert.Equal(KvReplyKind.Ok, (await group.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")]))).Kind);
            var increments = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => group.ProposeAsync(new KvCommand(KvOp.IncrBy, [B("n")], 1))));
            Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), increments.Select(r => r.Integer).Order());
            Assert.Equal("v", (await group.ReadAsync(new KvCommand(KvOp.Get, [B("k")]))).ToString());
        }
        // A fresh, empty engine: everything must come back from the Raft log.
        using (var log = SegmentedLogStore.Open(logPath))
        {
            var machine = new KvStateMachine(new InMemoryKvEngine());
            await using var group = new RaftGroup(Options(1, 1), log, machine, null, NullLogger.Instance);
            await Until(() => group.SoftState.State == StateType.Leader, "leadership after restart");
            Assert.Equal("200", (await group.ReadAsync(new KvCommand(KvOp.Get, [B("n")]))).ToString());
            Assert.Equal("v", (await group.ReadAsync(new KvCommand(KvOp.Get, [B("k")]))).ToString());
        }
    }

    /// <summary>
    /// A storage failure while applying stops the group (fail-stop) instead of retrying the same Ready forever:
    /// the waiting write fails with the reason, later ones are refused, and the host's OnFatal hears it once.
    /// </summary>
    [Fact]
    public async Task AStorageFailureWhileApplyingStopsTheGroupOnce()
    {
        using var log = SegmentedLogStore.Open(Path.Combine(_directory, "log"));
        var engine = new FailingWrites(new InMemoryKvEngine());
        var fatal = new List<Exception>();
        var stopped = new TaskCompletionSource();
        var options = Options(1, 1) with { OnFatal = ex => { fatal.Add(ex); stopped.TrySetResult(); } };
        await using var group = new RaftGroup(options, log, new KvStateMachine(engine), null, NullLogger.Instance);
        await Until(() => group.SoftState.State == StateType.Leader, "leadership");
        Assert.Equal(KvReplyKind.Ok, (await group.ProposeAsync(new KvCommand(KvOp.Set, [B("a"), B("1")]))).Kind);
        engine.Fail = true;
        var reply = await group.ProposeAsync(new KvCommand(KvOp.Set, [B("b"), B("2")])).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.StartsWith("TIMEOUT the write's outcome is unknown: this node stopped: disk gone", reply.Text);
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.IsType<StorageException>(Assert.Single(fatal));
        Assert.Same(fatal[0], group.Fatal);
        Assert.Equal(1, engine.FailedWrites);
        Assert.Equal("ERR this node stopped: disk gone", (await group.ProposeAsync(new KvCommand(KvOp.Set, [B("c"), B("3")])).WaitAsync(TimeSpan.FromSeconds(20))).Text);
        Assert.Equal(1, engine.FailedWrites);
    }

    [Fact]
    public async Task ACommandThatBreaksItsOpsRulesIsRefusedBeforeTheLog()
    {
        using var log = SegmentedLogStore.Open(Path.Combine(_directory, "log"));
        await using var group = new RaftGroup(Options(1, 1), log, new KvStateMachine(new InMemoryKvEngine()), null, NullLogger.Instance);
        await Until(() => group.SoftState.State == StateType.Leader, "leadership");
        var before = group.WriteCommands;
        Assert.Equal("ERR wrong number of arguments for 'set' command", (await group.ProposeAsync(new KvCommand(KvOp.Set, []))).Text);
        Assert.Equal("ERR wrong number of arguments for 'set' command", (await group.ProposeForwardedAsync(new KvCommand(KvOp.Set, [B("k")]))).Text);
        Assert.Equal("ERR 'Get' is not a write", (await group.ProposeAsync(new KvCommand(KvOp.Get, [B("k")]))).Text);
        Assert.Equal("ERR 'Set' is not a query", (await group.ReadAsync(new KvCommand(KvOp.Set, [B("k"), B("v")]))).Text);
        Assert.Equal(before, group.WriteCommands);
    }

    [Fact]
    public async Task ThreeGroupsOverALoopbackTransportReplicate()
    {
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine());
        var leader = three.Leader;
        var follower = three.Groups.Values.First(g => g != leader);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(KvReplyKind.Ok, (await leader.ProposeAsync(new KvCommand(KvOp.Set, [B($"k{i}"), B($"v{i}")]))).Kind);
        }
        Assert.Equal("v49", (await leader.ReadAsync(new KvCommand(KvOp.Get, [B("k49")]))).ToString());
        // Followers get the writes too, and answer linearizable reads through the leader's read index.
        Assert.Equal("v49", (await follower.ReadAsync(new KvCommand(KvOp.Get, [B("k49")]))).ToString());
        await Until(() => three.Machines.Values.All(m => m.KeyCount == 50), "every node applying the writes");
        // A write on a follower is forwarded to the leader and answered with the leader's reply.
        Assert.Equal(KvReplyKind.Ok, (await follower.ProposeAsync(new KvCommand(KvOp.Set, [B("x"), B("y")]))).Kind);
        Assert.Equal("y", (await leader.ReadAsync(new KvCommand(KvOp.Get, [B("x")]))).ToString());
    }

    /// <summary>
    /// Two followers asking for read indexes at the same moment, round after round: each round is answered. (Their
    /// contexts were per-node counters that all started at 1, and the leader kept one pending round per context,
    /// so one follower's round was dropped and its reads failed after the request timeout.)
    /// </summary>
    [Fact]
    public async Task ReadIndexRoundsOfDifferentFollowersNeverCollide()
    {
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine());
        var leader = three.Leader;
        Assert.Equal(KvReplyKind.Ok, (await leader.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")]))).Kind);
        var followers = three.Groups.Values.Where(g => g != leader).ToList();
        for (var i = 0; i < 40; i++)
        {
            var reads = followers.Select(f => f.ReadAsync(new KvCommand(KvOp.Get, [B("k")]))).ToList();
            foreach (var read in reads)
            {
                Assert.Equal("v", (await read.WaitAsync(TimeSpan.FromSeconds(3))).ToString());
            }
        }
    }

    /// <summary>
    /// A follower whose read index is confirmed but which cannot apply up to it (the leader's appends do not reach
    /// it) answers the read with an error at the request deadline; it used to hold it until the partition healed.
    /// </summary>
    [Fact]
    public async Task AReadWaitingForTheLogToBeAppliedHasADeadline()
    {
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine(), o => o with { RequestTimeout = TimeSpan.FromSeconds(1) });
        var leader = three.Leader;
        var follower = three.Groups.Values.First(g => g != leader);
        three.Drop = m => m.To == follower.NodeId && m.Type == MessageType.App;
        Assert.Equal(KvReplyKind.Ok, (await leader.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")]))).Kind);
        var read = await follower.ReadAsync(new KvCommand(KvOp.Get, [B("k")])).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("CLUSTERDOWN this node did not apply the log up to the read index", read.ToString());
        three.Drop = null;
        await Until(() => three.Machines[follower.NodeId].KeyCount == 1, "the follower catching up");
        Assert.Equal("v", (await follower.ReadAsync(new KvCommand(KvOp.Get, [B("k")]))).ToString());
    }

    /// <summary>
    /// A leader cut off with proposals in its log, deposed, caught up (its entries cut) and elected again: every
    /// one of those proposals is answered, also one whose index its new proposals take (that one was replaced in
    /// the table of waiting proposals and never answered, past any deadline).
    /// </summary>
    [Fact]
    public async Task EveryProposalOfADeposedLeaderIsAnsweredAfterItLeadsAgain()
    {
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine(), o => o with { RequestTimeout = TimeSpan.FromSeconds(60) });
        var old = three.Leader;
        three.Cut(old.NodeId, down: true);
        var lost = Enumerable.Range(0, 4).Select(i => old.ProposeAsync(new KvCommand(KvOp.Set, [B($"lost{i}"), B("x")]))).ToList();
        var others = three.Groups.Values.Where(g => g != old).ToList();
        await Until(() => others.Any(g => g.SoftState.State == StateType.Leader), "a new leader");
        var next = others.Single(g => g.SoftState.State == StateType.Leader);
        three.Cut(old.NodeId, down: false);
        await Until(() => old.Status.AppliedIndex >= next.Status.AppliedIndex && old.SoftState.Lead == next.NodeId, "the old leader following");
        Assert.Equal(KvReplyKind.Ok, (await next.TransferLeaderAsync(old.NodeId)).Kind);
        await Until(() => old.SoftState.State == StateType.Leader, "the old leader leading again");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(KvReplyKind.Ok, (await old.ProposeAsync(new KvCommand(KvOp.Set, [B($"new{i}"), B("y")]))).Kind);
        }
        foreach (var proposal in lost)
        {
            // Lost for certain when its index committed with another entry; unknown when a new proposal took its index
            // first (another member could have held the entry and committed it as a later leader).
            var reply = (await proposal.WaitAsync(TimeSpan.FromSeconds(5))).ToString();
            Assert.True(reply == "CLUSTERDOWN the write was lost in a leader change; it was not applied"
                || reply.StartsWith("TIMEOUT the write's outcome is unknown: its log entry was replaced in a leader change", StringComparison.Ordinal), reply);
        }
        Assert.All(three.Machines.Values, m => Assert.Equal("(nil)", m.Query(new KvCommand(KvOp.Get, [B("lost2")]), 0).ToString()));
    }

    /// <summary>
    /// Two pipelined writes through a follower whose first forward does not leave (the connection to the leader was
    /// down): both are applied, in the order they were sent. (The first went again behind the second, so `SET k 1`,
    /// `SET k 2` could end as k = 1 with both answered OK.)
    /// </summary>
    [Fact]
    public async Task PipelinedWritesThroughAFollowerKeepTheirOrderWhenAForwardMustGoAgain()
    {
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine());
        var leader = three.Leader;
        var follower = three.Groups.Values.First(g => g != leader);
        for (var round = 0; round < 10; round++)
        {
            three.Loopbacks[follower.NodeId].FailForwards = 1;
            var first = follower.ProposeAsync(new KvCommand(KvOp.Set, [B($"k{round}"), B("1")]));
            var second = follower.ProposeAsync(new KvCommand(KvOp.Set, [B($"k{round}"), B("2")]));
            Assert.Equal(KvReplyKind.Ok, (await first.WaitAsync(TimeSpan.FromSeconds(10))).Kind);
            Assert.Equal(KvReplyKind.Ok, (await second.WaitAsync(TimeSpan.FromSeconds(10))).Kind);
            Assert.Equal("2", (await leader.ReadAsync(new KvCommand(KvOp.Get, [B($"k{round}")]))).ToString());
        }
    }

    /// <summary>
    /// Forwards that reach the leader and run there, but whose answers are lost on the way back (the connection
    /// broke after the request left): the follower sends them again in its session and each INCR runs once, every
    /// client getting its own reply, in order. (Before sessions each was answered "TIMEOUT ... outcome unknown", and
    /// sending one again would have counted it twice.)
    /// </summary>
    [Fact]
    public async Task AForwardWhoseAnswerIsLostGoesAgainAndRunsOnce()
    {
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine());
        var leader = three.Leader;
        var follower = three.Groups.Values.First(g => g != leader);
        var loopback = three.Loopbacks[follower.NodeId];
        for (var round = 0; round < 5; round++)
        {
            loopback.LoseAnswers = 1 + round % 2;
            var incrs = Enumerable.Range(0, 20).Select(_ => follower.ProposeAsync(new KvCommand(KvOp.IncrBy, [B("n")], 1))).ToList();
            var replies = await Task.WhenAll(incrs).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(Enumerable.Range(round * 20 + 1, 20).Select(i => (long)i), replies.Select(r => r.Kind == KvReplyKind.Integer ? r.Integer : -1));
        }
        Assert.True(loopback.AnswersLost >= 5, $"answers lost: {loopback.AnswersLost}");
        await Until(() => three.Machines.Values.All(m => m.Query(new KvCommand(KvOp.Get, [B("n")]), 0).ToString() == "100"), "every replica at 100");
    }

    /// <summary>
    /// Only the leader's own check raises the corrupt alarm: a forwarded raise is refused (the peer fuzzer's forwarded
    /// random ops raised it and stopped every write), a forwarded disarm is taken.
    /// </summary>
    [Fact]
    public async Task AForwardedAlarmRaiseIsRefusedAndADisarmTaken()
    {
        using var log = SegmentedLogStore.Open(Path.Combine(_directory, "log"));
        var machine = new KvStateMachine(new InMemoryKvEngine());
        await using var group = new RaftGroup(Options(1, 1), log, machine, null, NullLogger.Instance);
        await Until(() => group.SoftState.State == StateType.Leader, "leadership");
        var raise = new KvCommand(KvOp.SetAlarm, [B("forged")]);
        Assert.StartsWith("ERR the corrupt alarm is raised by the leader's own check", (await group.ProposeForwardedAsync(raise)).Text);
        var stamped = await group.ProposeForwardedAsync(new ForwardedWrite(raise, new SessionStamp(3, 1, 1, 0)));
        Assert.Equal(WriteOutcome.NotApplied, stamped.Outcome);
        Assert.Null(group.CorruptAlarm);
        Assert.Equal(KvReplyKind.Ok, (await group.ProposeForwardedAsync(new KvCommand(KvOp.SetAlarm, [[]]))).Kind);
        Assert.Equal(KvReplyKind.Ok, (await group.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")]))).Kind);
    }

    /// <summary>A follower that cannot reach the leader at all answers its writes at the deadline, saying so, as not applied.</summary>
    [Fact]
    public async Task AWriteThatNeverReachesTheLeaderIsAnsweredAtItsDeadline()
    {
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine(), o => o with { RequestTimeout = TimeSpan.FromSeconds(1) });
        var follower = three.Groups.Values.First(g => g != three.Leader);
        three.Loopbacks[follower.NodeId].FailForwards = int.MaxValue;
        var reply = await follower.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")])).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("CLUSTERDOWN cannot reach the leader", reply.Text);
        Assert.EndsWith("the write was not applied", reply.Text);
    }

    /// <summary>
    /// A long read (a KEYS over a large store) runs beside the Raft loop, not on it: while it is held inside the
    /// engine, the leader still commits a write and keeps its term. (It used to run on the group's thread, so
    /// nothing was stepped, ticked or sent until it ended, and the followers elected a new leader.)
    /// </summary>
    [Fact]
    public async Task ALongReadDoesNotHoldUpTheRaftLoop()
    {
        var engines = new Dictionary<ulong, BlockingIterators>();
        try
        {
            await using var three = await ThreeGroups.StartAsync(_directory, id => engines[id] = new BlockingIterators(new InMemoryKvEngine()));
            var leader = three.Leader;
            var engine = engines[leader.NodeId];
            Assert.Equal(KvReplyKind.Ok, (await leader.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")]))).Kind);
            var term = leader.Status.Term;
            engine.Block.Reset();
            var keys = leader.ReadAsync(new KvCommand(KvOp.Keys, [B("*")]));
            await Until(() => engine.Blocked, "the read inside the engine");
            var write = await leader.ProposeAsync(new KvCommand(KvOp.Set, [B("during"), B("read")])).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(KvReplyKind.Ok, write.Kind);
            Assert.False(keys.IsCompleted);
            engine.Block.Set();
            // The write overlapped the read, so the read may or may not see it.
            Assert.Contains(B("k"), (await keys.WaitAsync(TimeSpan.FromSeconds(20))).Items!.Select(r => r.Bytes.ToArray()));
            Assert.Equal(term, leader.Status.Term);
            Assert.Equal(StateType.Leader, leader.SoftState.State);
        }
        finally
        {
            foreach (var engine in engines.Values)
            {
                engine.Block.Set();
            }
        }
    }

    /// <summary>Three groups over one loopback transport, each with its log under the test's directory; disposes them all.</summary>
    private sealed class ThreeGroups : IAsyncDisposable
    {
        private readonly List<SegmentedLogStore> _logs = [];

        public Dictionary<ulong, RaftGroup> Groups { get; } = [];

        public Dictionary<ulong, KvStateMachine> Machines { get; } = [];

        public Dictionary<ulong, Loopback> Loopbacks { get; } = [];

        public RaftGroup Leader => Groups.Values.Single(g => g.SoftState.State == StateType.Leader);

        /// <summary>Nodes cut off from the others.</summary>
        public HashSet<ulong> Down { get; } = [];

        /// <summary>Messages lost on the way (null: none).</summary>
        public Func<Message, bool>? Drop { get; set; }

        public void Cut(ulong id, bool down)
        {
            lock (Down)
            {
                _ = down ? Down.Add(id) : Down.Remove(id);
            }
        }

        public static async Task<ThreeGroups> StartAsync(string directory, Func<ulong, IKvEngine> engine, Func<RaftGroupOptions, RaftGroupOptions>? options = null, Func<ulong, WalFileIo?>? io = null, Func<ulong, TimeProvider?>? time = null)
        {
            var three = new ThreeGroups();
            foreach (ulong id in new ulong[] { 1, 2, 3 })
            {
                var log = SegmentedLogStore.Open(Path.Combine(directory, $"n{id}"), io: io?.Invoke(id));
                three._logs.Add(log);
                three.Machines[id] = new KvStateMachine(engine(id));
                var configured = options is null ? Options(id, 1, 2, 3) : options(Options(id, 1, 2, 3));
                three.Loopbacks[id] = new Loopback(three.Groups) { Down = three.Down, Drop = m => three.Drop?.Invoke(m) == true };
                three.Groups[id] = new RaftGroup(configured, log, three.Machines[id], three.Loopbacks[id], NullLogger.Instance, time?.Invoke(id));
            }
            await Until(() => three.Groups.Values.Count(g => g.SoftState.State == StateType.Leader) == 1, "one leader");
            return three;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var group in Groups.Values)
            {
                await group.DisposeAsync();
            }
            _logs.ForEach(l => l.Dispose());
        }
    }

    /// <param name="leaderChange">
    /// Leadership moves while the follower is away and nothing is written after: the new leader's last applied
    /// entry is its empty one, which its checkpoint must be labelled with too (the follower refused the snapshot
    /// and was shut out for good when it was labelled one past the checkpoint).
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFollowerBehindTheCompactedLogCatchesUpByASnapshot(bool leaderChange)
    {
        var groups = new Dictionary<ulong, RaftGroup>();
        var machines = new Dictionary<ulong, KvStateMachine>();
        var engines = new List<IKvEngine>();
        var logs = new List<SegmentedLogStore>();
        var down = new HashSet<ulong>();
        try
        {
            foreach (ulong id in new ulong[] { 1, 2, 3 })
            {
                var log = SegmentedLogStore.Open(Path.Combine(_directory, $"n{id}", "raft"));
                logs.Add(log);
                var engine = new Cairn.Storage.RocksDb.RocksKvEngine(Path.Combine(_directory, $"n{id}", "db"));
                engines.Add(engine);
                machines[id] = new KvStateMachine(engine, new RecordCache(1 << 20));
                var options = Options(id, 1, 2, 3) with
                {
                    SnapshotEntries = 40, SnapshotCatchUpEntries = 10, SnapshotDirectory = Path.Combine(_directory, $"n{id}", "snapshots"),
                };
                groups[id] = new RaftGroup(options, log, machines[id], new Loopback(groups) { Down = down }, NullLogger.Instance);
            }
            await Until(() => groups.Values.Count(g => g.SoftState.State == StateType.Leader) == 1, "one leader");
            var leader = groups.Values.Single(g => g.SoftState.State == StateType.Leader);
            var behind = groups.Keys.First(id => groups[id] != leader);
            lock (down)
            {
                down.Add(behind);
            }
            for (var i = 0; i < 200; i++)
            {
                Assert.Equal(KvReplyKind.Ok, (await leader.ProposeAsync(new KvCommand(KvOp.Set, [B($"k{i}"), B($"v{i}")]))).Kind);
            }
            await Until(() => leader.SnapshotsTaken > 0, "a snapshot on the leader");
            await Until(() => leader.Status.FirstIndex > groups[behind].Status.LastIndex + 1, "the follower's next entries compacted on the leader");
            if (leaderChange)
            {
                var next = groups.Values.Single(g => g != leader && g != groups[behind]);
                await Until(() => next.Status.AppliedIndex == leader.Status.AppliedIndex, "the other follower caught up");
                Assert.Equal(KvReplyKind.Ok, (await leader.TransferLeaderAsync(next.Status.NodeId)).Kind);
                await Until(() => next.SoftState.State == StateType.Leader && next.Status.AppliedIndex == next.Status.LastIndex, "the new leader's empty entry applied");
                await Until(() => next.Status.FirstIndex > groups[behind].Status.LastIndex + 1, "the follower's next entries compacted on the new leader");
                leader = next;
            }
            lock (down)
            {
                down.Remove(behind);
            }
            await Until(() => machines[behind].KeyCount == 200, "the follower catching up");
            // The state machine is restored a moment before the install is counted: await the count.
            await Until(() => groups[behind].SnapshotsInstalled > 0, "caught up by snapshot");
            await Until(() => leader.SnapshotsSent > 0, "the leader counting the snapshot sent");
            Assert.Equal("v7", machines[behind].Query(new KvCommand(KvOp.Get, [B("k7")]), 0).ToString());
            // And it keeps replicating from the log afterwards.
            Assert.Equal(KvReplyKind.Ok, (await leader.ProposeAsync(new KvCommand(KvOp.Set, [B("after"), B("snapshot")]))).Kind);
            await Until(() => machines[behind].KeyCount == 201, "replication after the snapshot");
            // The staged checkpoint is gone once sent (the follower took its copy over).
            await Until(() => Directory.GetDirectories(leader.SnapshotRoot).Length == 0, "the outgoing checkpoint removed");
        }
        finally
        {
            foreach (var group in groups.Values)
            {
                await group.DisposeAsync();
            }
            logs.ForEach(l => l.Dispose());
            engines.ForEach(e => e.Dispose());
        }
    }

    /// <summary>Delivers messages to the other groups in this process through the wire codec, as a transport would.</summary>
    /// <summary>Iterators wait for <see cref="Block"/> (set: they do not), as a long scan would take its time.</summary>
    private sealed class BlockingIterators(IKvEngine inner) : Cairn.StateMachine.Tests.DelegatingEngine(inner)
    {
        public ManualResetEventSlim Block { get; } = new(true);

        public volatile bool Blocked;

        public override IKvIterator NewIterator(KvSpace space)
        {
            if (!Block.IsSet)
            {
                Blocked = true;
                Block.Wait();
            }
            return base.NewIterator(space);
        }
    }

    private sealed class FailingWrites(IKvEngine inner) : Cairn.StateMachine.Tests.DelegatingEngine(inner)
    {
        public volatile bool Fail;
        public int FailedWrites;

        public override void Write(IWriteBatch batch, bool sync)
        {
            if (Fail)
            {
                Interlocked.Increment(ref FailedWrites);
                throw new StorageException("disk gone");
            }
            base.Write(batch, sync);
        }
    }

    internal sealed class Loopback(Dictionary<ulong, RaftGroup> groups) : IRaftTransport
    {
        private readonly Cairn.StateMachine.Wire.WireWriter _writer = new();

        /// <summary>Nodes cut off: nothing reaches them or leaves them (shared by every node's loopback).</summary>
        public HashSet<ulong> Down { get; init; } = [];

        /// <summary>Messages lost on the way.</summary>
        public Func<Message, bool> Drop { get; init; } = _ => false;

        public void Send(IReadOnlyList<Message> messages)
        {
            lock (_writer)
            {
                _writer.Reset();
                Cairn.Replication.Wire.MessageCodec.Write(_writer, messages);
                foreach (var message in Cairn.Replication.Wire.MessageCodec.Read(_writer.Written))
                {
                    if (groups.TryGetValue(message.To, out var target) && !IsDown(message.To) && !IsDown(message.From) && !Drop(message))
                    {
                        target.Deliver(message);
                    }
                }
            }
        }

        private bool IsDown(ulong id)
        {
            lock (Down)
            {
                return Down.Contains(id);
            }
        }

        /// <summary>Copies the checkpoint, as the chunked transfer would, and hands it to the follower.</summary>
        public async Task SendSnapshotAsync(string directory, Message message, CancellationToken cancellationToken)
        {
            if (IsDown(message.To))
            {
                throw new IOException("unreachable");
            }
            var copy = directory + ".received";
            Directory.CreateDirectory(copy);
            foreach (var file in Directory.GetFiles(directory))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
            await groups[message.To].ReceiveSnapshotAsync(message, copy);
        }

        /// <summary>Forward batches that fail as "certainly not sent" before one goes through (as a reconnecting peer does).</summary>
        public int FailForwards { get; set; }

        /// <summary>Forward batches that reach the leader and run, but whose answers are lost (the connection broke after sending).</summary>
        public int LoseAnswers { get; set; }

        public int AnswersLost { get; private set; }

        public async Task<IReadOnlyList<ForwardResult>?> ForwardBatchAsync(ulong leader, IReadOnlyList<ForwardedWrite> writes)
        {
            if (FailForwards > 0)
            {
                FailForwards--;
                return null;
            }
            var sent = Cairn.Replication.Wire.PeerPayload.ReadForwardSession(Cairn.Replication.Wire.PeerPayload.ForwardSession(writes).AsSpan(2));
            var results = await Task.WhenAll(sent.Select(groups[leader].ProposeForwardedAsync));
            if (LoseAnswers > 0 && results.Any(r => r.Outcome == WriteOutcome.Applied))
            {
                LoseAnswers--;
                AnswersLost++;
                return results.Select(_ => new ForwardResult(KvReply.Error("TIMEOUT the write's outcome is unknown: connection lost"), WriteOutcome.Unknown)).ToArray();
            }
            return results;
        }

        public void MembersChanged(IReadOnlyCollection<MemberInfo> members)
        {
        }
    }
}
