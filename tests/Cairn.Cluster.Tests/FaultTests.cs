using System.Runtime.InteropServices;
using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>Partitions, pauses and membership changes on real 3-node clusters.</summary>
public sealed class FaultTests
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    private const int SigStop = 19, SigCont = 18;

    private static async Task<Dictionary<string, string>> InfoAsync(LocalCluster.Node node) =>
        await node.TryRaftInfoAsync() ?? throw new InvalidOperationException($"{node.Name} does not answer");

    [Fact]
    public async Task AnIsolatedLeaderStepsDownAndServesNothingUntilHealed()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        Assert.True(await leader.Db.StringSetAsync("before", "1"));
        var others = cluster.Nodes.Where(n => n != leader).ToList();

        // Cut every link to and from the leader.
        leader.Proxy.Isolate();
        foreach (var other in others)
        {
            other.Proxy.Block(leader.RaftId);
        }
        var newLeader = await cluster.WaitForLeaderAsync(except: leader);
        Assert.NotEqual(leader, newLeader);
        Assert.True(await newLeader.Db.StringSetAsync("during", "majority"));
        await Poll.UntilAsync(async () => (await InfoAsync(leader))["role"] != "leader", TimeSpan.FromSeconds(10), "the isolated leader to step down");

        // The isolated node accepts no write and serves no linearizable read: each fails with an error, never a stale answer.
        var write = await Assert.ThrowsAsync<RedisServerException>(() => leader.Db.StringSetAsync("isolated", "x"));
        Assert.Matches("CLUSTERDOWN|TIMEOUT", write.Message);
        var read = await Assert.ThrowsAsync<RedisServerException>(() => leader.Db.StringGetAsync("during"));
        Assert.StartsWith("CLUSTERDOWN", read.Message);

        leader.Proxy.Heal();
        foreach (var other in others)
        {
            other.Proxy.Heal();
        }
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return await leader.Db.StringGetAsync("during") == "majority";
            }
            catch (RedisServerException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the healed node to rejoin and catch up");
        foreach (var node in cluster.Nodes)
        {
            Assert.False((await node.Db.StringGetAsync("isolated")).HasValue);
            Assert.Equal("1", await node.Db.StringGetAsync("before"));
        }
    }

    [Fact]
    public async Task APausedLeaderResumesWithoutSplitBrainOrLostWrites()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var oldTerm = long.Parse((await InfoAsync(leader))["current_term"]);
        Assert.True(await leader.Db.StringSetAsync("a", "1"));
        Signal(leader.Server!.Process.Id, SigStop);
        try
        {
            var newLeader = await cluster.WaitForLeaderAsync(except: leader);
            Assert.True(await newLeader.Db.StringSetAsync("b", "2"));
            Assert.Equal(1, await newLeader.Db.StringIncrementAsync("c"));
        }
        finally
        {
            Signal(leader.Server!.Process.Id, SigCont);
        }
        // The paused node learns of the newer term and follows; there is never a second leader in one term.
        // (It may first step down on its own, in its old term, when CheckQuorum sees no recent followers.)
        await Poll.UntilAsync(async () => await InfoAsync(leader) is var info && info["role"] == "follower" && long.Parse(info["current_term"]) > oldTerm,
            TimeSpan.FromSeconds(30), "the paused leader to follow in a newer term");
        var views = new List<Dictionary<string, string>>();
        foreach (var node in cluster.Nodes)
        {
            views.Add(await InfoAsync(node));
        }
        Assert.Single(views, v => v["role"] == "leader");
        Assert.All(views, v => Assert.True(long.Parse(v["current_term"]) > oldTerm));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal("1", await node.Db.StringGetAsync("a"));
            Assert.Equal("2", await node.Db.StringGetAsync("b"));
            Assert.Equal("1", await node.Db.StringGetAsync("c"));
        }
    }

    [Fact]
    public async Task AFourthNodeJoinsAsALearnerBecomesAVoterAndANodeIsRemoved()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var writes = 0;
        var load = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await cluster.Nodes[0].Db.StringSetAsync($"load:{i}", i);
                    writes++;
                }
                catch (RedisException)
                {
                    failures++;
                }
            }
        });
        var fourth = cluster.AddNode();
        await fourth.StartAsync();
        await cluster.WaitForVotersAsync(4);
        var leader = await cluster.WaitForLeaderAsync();
        var info = await InfoAsync(leader);
        Assert.Equal("4", info["num_nodes"]);
        Assert.Equal("hello", await WriteThenReadAsync(fourth, "from-fourth", "hello"));

        // Remove a follower that is not node 1 (the load runs through node 1).
        var removed = cluster.Nodes.Skip(1).First(n => n != leader && n != fourth);
        Assert.Equal("OK", (await cluster.Nodes[0].Db.ExecuteAsync("RAFT.NODE", "REMOVE", removed.Name)).ToString());
        await Poll.UntilAsync(async () => (await InfoAsync(await cluster.WaitForLeaderAsync()))["num_nodes"] == "3", TimeSpan.FromSeconds(30), "the removal");
        var error = await Assert.ThrowsAsync<RedisServerException>(() => cluster.Nodes[0].Db.ExecuteAsync("RAFT.NODE", "REMOVE", "no-such-node"));
        Assert.Equal("ERR node id does not exist", error.Message);
        var writesBefore = writes;
        await Poll.UntilAsync(() => Task.FromResult(writes > writesBefore + 20), TimeSpan.FromSeconds(30), "writes after the removal");
        stop.Cancel();
        await load;
        Assert.True(failures == 0, $"{failures} writes failed during membership changes");
    }

    /// <summary>
    /// The leader removing itself hands leadership over first: when RAFT.NODE REMOVE answers, the others already
    /// follow a new leader (they used to wait out an election timeout, still naming the removed node as leader).
    /// </summary>
    [Fact]
    public async Task ALeaderRemovingItselfHandsLeadershipOverFirst()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        Assert.True(await leader.Db.StringSetAsync("k", "v"));
        Assert.Equal("OK", (await leader.Db.ExecuteAsync("RAFT.NODE", "REMOVE", leader.Name)).ToString());
        foreach (var node in cluster.Nodes.Where(n => n != leader))
        {
            var info = (await node.TryRaftInfoAsync())!;
            Assert.NotEqual(leader.Name, info["leader_id"]);
            Assert.NotEqual("", info["leader_id"]);
        }
        var next = await cluster.WaitForLeaderAsync(except: leader);
        await Poll.UntilAsync(async () => (await next.TryRaftInfoAsync())!["num_nodes"] == "2", TimeSpan.FromSeconds(30), "the removal");
        Assert.True(await next.Db.StringSetAsync("after", "removal"));
    }

    [Fact]
    public async Task LeadershipMovesOnRequestAndWritesGoOn()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        Assert.True(await leader.Db.StringSetAsync("k", "before"));

        // Writers keep going through the hand-over: the leader holds new entries back meanwhile, and each write
        // must still be answered OK (once, a write that arrived then was dropped and never answered).
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var done = 0;
            while (!stop.IsCancellationRequested)
            {
                Assert.True(await leader.Db.StringSetAsync($"w{w}", done++));
            }
            return done;
        })).ToList();
        await Poll.UntilAsync(() => Task.FromResult(writers.All(w => !w.IsCompleted)), TimeSpan.FromSeconds(5), "writers running");

        // Named target, asked on a follower that is not the target: the request reaches the leader.
        var target = cluster.Nodes.First(n => n != leader);
        var asked = cluster.Nodes.First(n => n != leader && n != target);
        Assert.Equal("OK", (await asked.Db.ExecuteAsync("RAFT.TRANSFER_LEADER", target.Name)).ToString());
        Assert.Equal(target, await cluster.WaitForLeaderAsync());
        stop.Cancel();
        Assert.All(await Task.WhenAll(writers), done => Assert.True(done > 0));
        Assert.Equal("before", await target.Db.StringGetAsync("k"));
        Assert.True(await asked.Db.StringSetAsync("k", "after"));

        // No target, on the leader: the most caught-up other voter takes over.
        Assert.Equal("OK", (await target.Db.ExecuteAsync("RAFT.TRANSFER_LEADER")).ToString());
        Assert.NotEqual(target, await cluster.WaitForLeaderAsync());
        Assert.Equal("after", await target.Db.StringGetAsync("k"));

        var unknown = await Assert.ThrowsAsync<RedisServerException>(() => target.Db.ExecuteAsync("RAFT.TRANSFER_LEADER", "no-such-node"));
        Assert.Equal("ERR node id does not exist", unknown.Message);
        var extra = await Assert.ThrowsAsync<RedisServerException>(() => target.Db.ExecuteAsync("RAFT.TRANSFER_LEADER", "a", "b"));
        Assert.Equal("ERR syntax error", extra.Message);
    }

    private static async Task<string?> WriteThenReadAsync(LocalCluster.Node node, string key, string value)
    {
        Assert.True(await node.Db.StringSetAsync(key, value));
        return await node.Db.StringGetAsync(key);
    }
}
