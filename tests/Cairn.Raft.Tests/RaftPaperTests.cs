using System.Text;
using Cairn.Raft.Log;

namespace Cairn.Raft.Tests;

/// <summary>Rules of the Raft paper (Ongaro &amp; Ousterhout 2014) and thesis, one test per rule, named by section.</summary>
public class RaftPaperTests
{
    [Fact]
    public void Section5_2_ACandidateWithAMajorityBecomesLeaderAndOthersFollow()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        Assert.Equal(StateType.Leader, cluster[1].SoftState.State);
        Assert.Equal(1ul, cluster[1].HardState.Term);
        Assert.All(new ulong[] { 2, 3 }, id => Assert.Equal(new SoftState(1, StateType.Follower), cluster[id].SoftState));
    }

    [Fact]
    public void Section5_2_FollowersElectALeaderOnTheirOwnAfterTheTimeout()
    {
        var cluster = new TestCluster(5);
        cluster.TickAll(25);
        var leader = cluster.Leader();
        Assert.NotNull(leader);
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(leader, n.SoftState.Lead));
    }

    [Fact]
    public void Section5_2_ANodeVotesAtMostOncePerTerm()
    {
        var storage = new MemoryStorage([1, 2, 3]);
        var node = new RawNode(new RaftConfig { Id = 1, PreVote = false, CheckQuorum = false }, storage);
        Assert.True(node.Step(new Message { GroupId = 1, Type = MessageType.Vote, From = 2, To = 1, Term = 1 }));
        Assert.True(node.Step(new Message { GroupId = 1, Type = MessageType.Vote, From = 3, To = 1, Term = 1 }));
        var responses = node.Ready().Messages;
        Assert.False(responses.Single(m => m.To == 2).Reject);
        Assert.True(responses.Single(m => m.To == 3).Reject);
        Assert.Equal(2ul, node.HardState.Vote);
    }

    [Fact]
    public void Section5_4_1_AVoteIsRefusedToACandidateWithAStaleLog()
    {
        var storage = new MemoryStorage([1, 2, 3]);
        storage.Append([new Entry(1, 1, EntryType.Normal, default), new Entry(2, 2, EntryType.Normal, default)]);
        storage.SetHardState(new HardState(2, 0, 0));
        var node = new RawNode(new RaftConfig { Id = 1, PreVote = false, CheckQuorum = false }, storage);
        // Longer log but an older last term: refused. Same last term, as long: granted.
        node.Step(new Message { GroupId = 1, Type = MessageType.Vote, From = 2, To = 1, Term = 3, Index = 5, LogTerm = 1 });
        Assert.True(node.Ready().Messages.Single().Reject);
        node.Step(new Message { GroupId = 1, Type = MessageType.Vote, From = 3, To = 1, Term = 4, Index = 2, LogTerm = 2 });
        Assert.False(node.Ready().Messages.Single().Reject);
    }

    [Fact]
    public void Section5_3_ALeaderReplicatesAndEveryoneAppliesInOrder()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        for (var i = 0; i < 20; i++)
        {
            cluster.Propose((ulong)(i % 3 + 1), $"v{i}");
        }
        var expected = Enumerable.Range(0, 20).Select(i => $"v{i}").ToList();
        Assert.All(cluster.Nodes.Keys, id => Assert.Equal(expected, cluster.Applied[id]));
    }

    [Fact]
    public void Section5_3_AFollowersConflictingSuffixIsReplaced()
    {
        var cluster = new TestCluster(3, maxMessageBytes: 1);
        cluster[1].Campaign();
        cluster.Stabilize();
        // Node 1 leads term 1 and takes entries no one else sees, then loses its leadership.
        cluster.Isolate(1);
        cluster.Propose(1, "lost-a");
        cluster.Propose(1, "lost-b");
        // Nodes 2 and 3 time out on the silent leader and elect one of themselves.
        for (var i = 0; i < 40 && cluster[2].SoftState.State != StateType.Leader && cluster[3].SoftState.State != StateType.Leader; i++)
        {
            cluster[2].Tick();
            cluster[3].Tick();
            cluster.Stabilize();
        }
        var leader = cluster[2].SoftState.State == StateType.Leader ? 2ul : 3ul;
        Assert.Equal(StateType.Leader, cluster[leader].SoftState.State);
        cluster.Propose(leader, "kept");
        cluster.Heal();
        cluster.TickAll(15);
        Assert.Equal(["kept"], cluster.Applied[1]);
        Assert.DoesNotContain(cluster.Storages[1].All, e => Encoding.UTF8.GetString(e.Data.Span).StartsWith("lost", StringComparison.Ordinal));
    }

    [Fact]
    public void Section5_4_2_ALeaderCommitsEntriesOfEarlierTermsOnlyThroughOneOfItsOwn()
    {
        // Figure 8: counting replicas of an entry from an earlier term is not enough to commit it.
        var storage = new MemoryStorage([1, 2, 3]);
        storage.Append([new Entry(1, 1, EntryType.Normal, default), new Entry(2, 2, EntryType.Normal, default)]);
        storage.SetHardState(new HardState(2, 0, 0));
        var node = new RawNode(new RaftConfig { Id = 1, PreVote = false, CheckQuorum = false }, storage);
        node.Campaign();
        node.Step(new Message { GroupId = 1, Type = MessageType.VoteResp, From = 2, To = 1, Term = 3 });
        Assert.Equal(StateType.Leader, node.SoftState.State);
        Persist(node, storage);
        node.Step(new Message { GroupId = 1, Type = MessageType.AppResp, From = 2, To = 1, Term = 3, Index = 2 });
        Assert.Equal(0ul, node.HardState.Commit);
        node.Step(new Message { GroupId = 1, Type = MessageType.AppResp, From = 2, To = 1, Term = 3, Index = 3 });
        Assert.Equal(3ul, node.HardState.Commit);
    }

    [Fact]
    public void Thesis9_6_PreVoteKeepsAPartitionedNodeFromRaisingItsTerm()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster.Isolate(3);
        for (var i = 0; i < 100; i++)
        {
            cluster[3].Tick();
            cluster.Stabilize();
        }
        Assert.Equal(1ul, cluster[3].HardState.Term);
        cluster.Heal();
        cluster.TickAll(5);
        Assert.Equal(StateType.Leader, cluster[1].SoftState.State);
        Assert.Equal(1ul, cluster[1].HardState.Term);
    }

    [Fact]
    public void Thesis6_2_CheckQuorumMakesAnIsolatedLeaderStepDown()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster.Isolate(1);
        for (var i = 0; i < 25; i++)
        {
            cluster[1].Tick();
            cluster.Stabilize();
        }
        Assert.Equal(StateType.Follower, cluster[1].SoftState.State);
    }

    [Fact]
    public void Thesis4_2_3_FollowersWithALiveLeaderIgnoreVoteRequests()
    {
        var cluster = new TestCluster(3, preVote: false);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster[2].Step(new Message { GroupId = 1, Type = MessageType.Vote, From = 3, To = 2, Term = 5, Index = 100, LogTerm = 100 });
        cluster.HandleReadies();
        Assert.Equal(1ul, cluster[2].HardState.Term);
        Assert.DoesNotContain(cluster.InFlight, m => m.To == 3);
    }

    [Fact]
    public void Thesis6_4_ReadIndexWaitsForACommitInTheLeadersTermAndAHeartbeatQuorum()
    {
        var storage = new MemoryStorage([1, 2, 3]);
        var node = new RawNode(new RaftConfig { Id = 1, PreVote = false, CheckQuorum = false }, storage);
        node.Campaign();
        node.Step(new Message { GroupId = 1, Type = MessageType.VoteResp, From = 2, To = 1, Term = 1 });
        Persist(node, storage);
        node.ReadIndex("early"u8.ToArray());
        Assert.Empty(node.Ready().ReadStates);
        // The leader's empty entry (index 1) commits; the queued read starts its heartbeat round.
        node.Step(new Message { GroupId = 1, Type = MessageType.AppResp, From = 2, To = 1, Term = 1, Index = 1 });
        var ready = node.Ready();
        Assert.Empty(ready.ReadStates);
        var heartbeat = ready.Messages.First(m => m.Type == MessageType.Heartbeat && m.Context is not null);
        node.Advance(ready);
        node.Step(new Message { GroupId = 1, Type = MessageType.HeartbeatResp, From = heartbeat.To, To = 1, Term = 1, Context = heartbeat.Context });
        var read = Assert.Single(node.Ready().ReadStates);
        Assert.Equal(1ul, read.Index);
        Assert.Equal("early"u8.ToArray(), read.Context);
    }

    [Fact]
    public void Thesis6_4_AFollowersReadIndexComesFromTheLeader()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster.Propose(1, "w");
        ReadState? found = null;
        cluster[2].ReadIndex("f"u8.ToArray());
        for (var round = 0; round < 10 && found is null; round++)
        {
            foreach (var message in cluster.InFlight.ToList())
            {
                cluster.InFlight.Remove(message);
                cluster[message.To].Step(message);
            }
            var node = cluster[2];
            while (node.HasReady)
            {
                var ready = node.Ready();
                found ??= ready.ReadStates.Cast<ReadState?>().FirstOrDefault();
                cluster.Storages[2].Append(ready.Entries);
                cluster.InFlight.AddRange(ready.Messages.Select(m => m.Detached()));
                node.Advance(ready);
            }
            cluster.HandleReadies();
        }
        Assert.NotNull(found);
        Assert.Equal(cluster[1].HardState.Commit, found.Value.Index);
    }

    [Fact]
    public void Thesis6_4_1_LeaseReadsAreAnsweredWithoutARoundTrip()
    {
        var storage = new MemoryStorage([1, 2, 3]);
        var node = new RawNode(new RaftConfig { Id = 1, PreVote = false, ReadOnly = ReadOnlyOption.LeaseBased }, storage);
        node.Campaign();
        node.Step(new Message { GroupId = 1, Type = MessageType.VoteResp, From = 2, To = 1, Term = 1 });
        Persist(node, storage);
        node.Step(new Message { GroupId = 1, Type = MessageType.AppResp, From = 2, To = 1, Term = 1, Index = 1 });
        Persist(node, storage);
        node.ReadIndex("lease"u8.ToArray());
        Assert.Equal(1ul, Assert.Single(node.Ready().ReadStates).Index);
        Assert.Throws<ArgumentException>(() => new RawNode(new RaftConfig { Id = 1, CheckQuorum = false, ReadOnly = ReadOnlyOption.LeaseBased }, storage));
    }

    [Fact]
    public void Thesis3_10_LeadershipTransferHandsOverInANewTerm()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster.Propose(1, "before");
        cluster[1].TransferLeader(3);
        cluster.Stabilize();
        Assert.Equal(StateType.Leader, cluster[3].SoftState.State);
        Assert.Equal(2ul, cluster[3].HardState.Term);
        Assert.Equal(3ul, cluster[1].SoftState.Lead);
        cluster.Propose(3, "after");
        Assert.All(cluster.Nodes.Keys, id => Assert.Equal(["before", "after"], cluster.Applied[id]));
    }

    [Fact]
    public void Thesis3_10_ProposalsAreRefusedWhileATransferIsUnderway()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster.Isolate(3);
        cluster.Propose(1, "x");
        cluster[1].TransferLeader(3);
        var error = Assert.Throws<ProposalDroppedException>(() => cluster[1].Propose("y"u8.ToArray()));
        Assert.Contains("leadership transfer", error.Message);
        // Abandoned after an election timeout: proposals are accepted again.
        for (var i = 0; i < 11; i++)
        {
            cluster[1].Tick();
        }
        cluster.Heal();
        cluster.Propose(1, "z");
        Assert.Contains("z", cluster.Applied[1]);
    }

    [Fact]
    public void Section7_AFollowerBehindCompactionCatchesUpBySnapshot()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster.Isolate(3);
        for (var i = 0; i < 10; i++)
        {
            cluster.Propose(1, $"v{i}");
        }
        // The leader snapshots its state machine and drops the log the follower still needs.
        var applied = cluster[1].Applied;
        var snapshot = cluster.Storages[1].CreateSnapshot(applied, cluster[1].Conf, "state"u8.ToArray());
        cluster.Storages[1].Compact(applied);
        cluster.Heal();
        cluster.TickAll(3);
        Assert.Equal(snapshot.Index, cluster.Storages[3].FirstIndex() - 1);
        Assert.Equal([$"snapshot@{snapshot.Index}"], cluster.Applied[3].Take(1));
        cluster.Propose(1, "after");
        Assert.Equal("after", cluster.Applied[3][^1]);
        Assert.Equal(cluster.Storages[1].LastIndex(), cluster.Storages[3].LastIndex());
    }

    [Fact]
    public void ProposalsWithNoLeaderAreRefused()
    {
        var cluster = new TestCluster(3);
        Assert.Throws<ProposalDroppedException>(() => cluster[1].Propose(new byte[] { 1 }));
    }

    [Fact]
    public void MessagesForAnotherGroupOrFromStrangersAreIgnored()
    {
        var cluster = new TestCluster(3);
        Assert.False(cluster[1].Step(new Message { GroupId = 9, Type = MessageType.Vote, From = 2, To = 1, Term = 1 }));
        Assert.False(cluster[1].Step(new Message { GroupId = 1, Type = MessageType.Hup, From = 2, To = 1 }));
        Assert.False(cluster[1].Step(new Message { GroupId = 1, Type = MessageType.AppResp, From = 77, To = 1, Term = 1 }));
        Assert.Equal(StateType.Follower, cluster[1].SoftState.State);
    }

    private static void Persist(RawNode node, MemoryStorage storage)
    {
        var ready = node.Ready();
        storage.Append(ready.Entries);
        if (ready.HardState is { } hard)
        {
            storage.SetHardState(hard);
        }
        node.Advance(ready);
    }
}
