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
