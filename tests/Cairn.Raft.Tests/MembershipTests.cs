using System.Text;

namespace Cairn.Raft.Tests;

/// <summary>Thesis §4.1 (single-server changes) and §4.2.1 (learners catch up before voting).</summary>
public class MembershipTests
{
    /// <summary>etcd's hasUnappliedConfChanges: no campaign while a committed membership change is not applied.</summary>
    [Fact]
    public void ANodeDoesNotCampaignWhileACommittedMembershipChangeIsUnapplied()
    {
        var storage = new Cairn.Raft.Log.MemoryStorage([1, 2, 3]);
        storage.Append([new Entry(1, 1, EntryType.Normal, new byte[] { 1 }), new Entry(1, 2, EntryType.ConfChange, new ConfChange(ConfChangeType.AddLearner, 4).Encode())]);
        storage.SetHardState(new HardState(1, 0, 2));
        var node = new RawNode(new RaftConfig { Id = 1, ElectionTicks = 10, HeartbeatTicks = 1, Applied = 1, Seed = 1 }, storage);
        node.Campaign();
        Assert.Equal(StateType.Follower, node.SoftState.State);
        var ready = node.Ready();
        Assert.Contains(ready.CommittedEntries, e => e.Type == EntryType.ConfChange);
        node.ApplyConfChange(new ConfChange(ConfChangeType.AddLearner, 4));
        node.Advance(ready);
        node.Campaign();
        Assert.NotEqual(StateType.Follower, node.SoftState.State);
    }

    /// <summary>
    /// Appends the leader sends while it applies a membership change (between Ready and Advance) carry entries that
    /// are still unstable: they must keep their contents after Advance reclaims the unstable buffer. Here removing a
    /// voter shrinks the quorum, an entry commits at once and the leader sends the next chunk of a batch it had not
    /// sent in full (one entry per message). Before messages made then were detached in Advance, the chunk arrived
    /// zeroed (index 0, no data), which a follower would have "matched".
    /// </summary>
    [Fact]
    public void EntriesSentWhileAMembershipChangeIsAppliedSurviveAdvance()
    {
        var cluster = new TestCluster(4, maxMessageBytes: 1);
        cluster[1].Campaign();
        cluster.Stabilize();
        var leader = cluster[1];
        void Persist(ulong id, Ready ready, List<Message> sent)
        {
            cluster.Storages[id].Append(ready.Entries);
            if (ready.HardState is { } hard)
            {
                cluster.Storages[id].SetHardState(hard);
            }
            sent.AddRange(ready.Messages.Select(m => m.Detached()));
        }
        void Follow(ulong id, IEnumerable<Message> messages, List<Message> replies)
        {
            foreach (var message in messages.Where(m => m.To == id))
            {
                cluster[id].Step(message);
            }
            while (cluster[id].HasReady)
            {
                var ready = cluster[id].Ready();
                Persist(id, ready, replies);
                cluster[id].Advance(ready);
            }
        }

        // The removal of node 4 and an entry after it, sent; node 2 gets both, node 3 only the removal, node 4 nothing.
        leader.ProposeConfChange(new ConfChange(ConfChangeType.RemoveNode, 4));
        leader.Propose(Encoding.UTF8.GetBytes("e"));
        var first = leader.Ready();
        var sent = new List<Message>();
        Persist(1, first, sent);
        leader.Advance(first);
        var acks = new List<Message>();
        Follow(2, sent, acks);
        Follow(3, sent.Where(m => m.To == 3 && m.Entries.All(e => e.Type == EntryType.ConfChange)), acks);
        foreach (var ack in acks.Where(a => a.To == 1))
        {
            leader.Step(ack);
        }

        // The removal is committed (nodes 1, 2, 3); "e" is not (nodes 1, 2 of four). A batch is proposed: only its first
        // entry goes out now.
        leader.ProposeBatch(new ReadOnlyMemory<byte>[] { Encoding.UTF8.GetBytes("f1"), Encoding.UTF8.GetBytes("f2"), Encoding.UTF8.GetBytes("f3") });
        var second = leader.Ready();
        Assert.Contains(second.CommittedEntries, e => e.Type == EntryType.ConfChange);
        Persist(1, second, []);
        // Applying the removal: the quorum is two of three, so "e" commits and the leader sends on at once.
        leader.ApplyConfChange(new ConfChange(ConfChangeType.RemoveNode, 4));
        leader.Advance(second);

        var third = leader.Ready();
        var appends = third.Messages.Where(m => m.Type == MessageType.App && m.Entries.Count > 0).ToList();
        Assert.NotEmpty(appends);
        foreach (var append in appends)
        {
            Assert.All(append.Entries, e => Assert.True(e.Index > 0 && Encoding.UTF8.GetString(e.Data.Span) is "f2" or "f3", $"entry {e.Index} '{Encoding.UTF8.GetString(e.Data.Span)}' to {append.To}"));
        }
    }

    [Fact]
    public void ASecondChangeWhileOneIsPendingIsRefusedClearly()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        cluster[1].ProposeConfChange(new ConfChange(ConfChangeType.AddLearner, 4));
        var error = Assert.Throws<ConfChangeRefusedException>(() => cluster[1].ProposeConfChange(new ConfChange(ConfChangeType.RemoveNode, 3)));
        Assert.Contains("already in progress", error.Message);
    }

    [Fact]
    public void ANewLeaderAcceptsChangesOnlyAfterCommittingInItsTerm()
    {
        var cluster = new TestCluster(3);
        cluster.Isolate(1);
        cluster[1].Campaign();
        cluster.Stabilize();
        // Node 1 is alone: it cannot be leader, so make a real leader and hold its first commit back.
        cluster.Heal();
        cluster[2].Campaign();
        cluster.HandleReadies();
        while (cluster.InFlight.Count > 0 && cluster[2].SoftState.State != StateType.Leader)
        {
            var batch = cluster.InFlight.ToList();
            cluster.InFlight.Clear();
            foreach (var message in batch.Where(m => m.Type is not MessageType.App))
            {
                cluster[message.To].Step(message);
            }
            cluster.HandleReadies();
        }
        Assert.Equal(StateType.Leader, cluster[2].SoftState.State);
        var error = Assert.Throws<ConfChangeRefusedException>(() => cluster[2].ProposeConfChange(new ConfChange(ConfChangeType.AddLearner, 4)));
        Assert.Contains("not yet committed an entry of its term", error.Message);
    }

    [Fact]
    public void ALearnerGetsTheLogButCountsOnlyOncePromoted()
    {
        var cluster = new TestCluster(4);
        // Start as three voters plus node 4 outside the group.
        foreach (var id in new ulong[] { 1, 2, 3, 4 })
        {
            cluster.Storages[id].SetConf(ConfState.Of(1, 2, 3));
        }
        cluster = Rebuild(cluster);
        cluster[1].Campaign();
        cluster.Stabilize();
        ApplyChange(cluster, new ConfChange(ConfChangeType.AddLearner, 4));
        cluster.Propose(1, "seen-by-learner");
        Assert.Contains("seen-by-learner", cluster.Applied[4]);
        Assert.Equal([4ul], cluster[1].Conf.Learners);
        // With 2 and 3 cut off, leader + learner are not a quorum of {1,2,3}.
        cluster.Isolate(2);
        cluster.Isolate(3);
        cluster.Propose(1, "needs-a-quorum");
        Assert.DoesNotContain("needs-a-quorum", cluster.Applied[1]);
        cluster.Heal();
        cluster.TickAll(3);
        Assert.Contains("needs-a-quorum", cluster.Applied[1]);
        ApplyChange(cluster, new ConfChange(ConfChangeType.AddVoter, 4));
        Assert.Equal(new ulong[] { 1, 2, 3, 4 }, cluster[1].Conf.Voters.Order());
        Assert.Empty(cluster[1].Conf.Learners);
    }

    [Fact]
    public void ARemovedLeaderStepsDownAndTheRestElectAnother()
    {
        var cluster = new TestCluster(3);
        cluster[1].Campaign();
        cluster.Stabilize();
        ApplyChange(cluster, new ConfChange(ConfChangeType.RemoveNode, 1));
        Assert.NotEqual(StateType.Leader, cluster[1].SoftState.State);
        cluster.Isolate(1);
        for (var i = 0; i < 40 && cluster[2].SoftState.State != StateType.Leader && cluster[3].SoftState.State != StateType.Leader; i++)
        {
            cluster[2].Tick();
            cluster[3].Tick();
            cluster.Stabilize();
        }
        var leader = cluster[2].SoftState.State == StateType.Leader ? 2ul : 3ul;
        Assert.Equal(new ulong[] { 2, 3 }, cluster[leader].Conf.Voters.Order());
        cluster.Propose(leader, "after-removal");
        Assert.Contains("after-removal", cluster.Applied[leader == 2 ? 3ul : 2ul]);
    }

    /// <summary>Proposes a change at node 1 and applies it wherever it commits, as an application would.</summary>
    private static void ApplyChange(TestCluster cluster, ConfChange change)
    {
        cluster[1].ProposeConfChange(change);
        cluster.ConfChangeHook = (node, c) => cluster.Storages[node.Id].SetConf(node.ApplyConfChange(c));
        cluster.Stabilize();
        cluster.TickAll(2);
    }

    private static TestCluster Rebuild(TestCluster cluster)
    {
        foreach (var id in cluster.Nodes.Keys.ToList())
        {
            cluster.Nodes[id] = new RawNode(new RaftConfig { Id = id, Seed = (int)id }, cluster.Storages[id]);
        }
        return cluster;
    }
}
