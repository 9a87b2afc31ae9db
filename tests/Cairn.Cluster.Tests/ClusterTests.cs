using System.Collections.Concurrent;
using StackExchange.Redis;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Cairn.Cluster.Tests;

/// <summary>Real 3-node clusters: forming, serving on every node, failover, restarts.</summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task WritesOnAnyNodeAreReadOnEveryNode()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            Assert.True(await cluster.Nodes[i].Db.StringSetAsync($"k{i}", $"v{i}"));
            Assert.Equal(i + 1, await cluster.Nodes[i].Db.StringIncrementAsync("counter"));
        }
        // Linearizable reads: every node sees every acknowledged write at once, with no waiting.
        foreach (var node in cluster.Nodes)
        {
            for (var i = 0; i < cluster.Nodes.Count; i++)
            {
                Assert.Equal($"v{i}", await node.Db.StringGetAsync($"k{i}"));
            }
            Assert.Equal(3, (long)await node.Db.StringGetAsync("counter"));
        }
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        // Every node takes writes, so each is a master to clients; the leader lists the others as replicas.
        var role = (RedisResult[])(await leader.Db.ExecuteAsync("ROLE"))!;
        Assert.Equal("master", (string?)role[0]);
        Assert.Equal(2, ((RedisResult[])role[2]!).Length);
        var replication = await follower.Db.ExecuteAsync("INFO", "replication");
        Assert.Contains("raft_role:follower", replication.ToString());
        Assert.Contains($"raft_leader_addr:127.0.0.1:{leader.Port}", replication.ToString());
        var info = (await follower.TryRaftInfoAsync())!;
        Assert.Equal("follower", info["role"]);
        Assert.Equal(leader.Name, info["leader_id"]);
        Assert.Equal("3", info["num_voting_nodes"]);
    }

    /// <summary>
    /// Redis's "SETRANGE with huge offset" through a follower: the entry is committed and every replica's Apply
    /// answers it with Redis's error (it used to throw there, and each node retried the same Ready forever).
    /// </summary>
    [Fact]
    public async Task ACommandApplyRefusesIsAnsweredOnEveryNodeAndTheClusterGoesOn()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        Assert.True(await follower.Db.StringSetAsync("huge", "v"));
        foreach (var node in new[] { follower, leader })
        {
            var ex = await Assert.ThrowsAsync<RedisServerException>(() => node.Db.ExecuteAsync("SETRANGE", "huge", "9223372036854775807", "x"));
            Assert.Equal("ERR string exceeds maximum allowed size (proto-max-bulk-len)", ex.Message);
        }
        Assert.True(await follower.Db.StringSetAsync("after", "b"));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal("b", (string?)await node.Db.StringGetAsync("after"));
            Assert.Equal("v", (string?)await node.Db.StringGetAsync("huge"));
            Assert.DoesNotContain("cannot go on", node.Server!.Output);
            Assert.False(node.Server.Process.HasExited);
        }
    }

    [Fact]
    public async Task APipelineSeesTheWritesBeforeEachCommandAndNoneAfter()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        foreach (var node in new[] { leader, follower })
        {
            using var client = new RawClient(node.Port);
            var payload = new System.Text.StringBuilder();
            const int n = 100;
            for (var i = 0; i < n; i++)
            {
                // As Redis runs a pipeline: the first GET must not see the SET sent after it, though both
                // are in flight at once (a write's commit and a read's index can come back in one round).
                var key = $"{node.Name}:pipe:{i}";
                payload.Append(RawClient.Encode("SET", key, "old"))
                    .Append(RawClient.Encode("GET", key))
                    .Append(RawClient.Encode("SET", key, "new"))
                    .Append(RawClient.Encode("GET", key))
                    .Append(RawClient.Encode("INCR", key))
                    .Append(RawClient.Encode("GET", key))
                    .Append(RawClient.Encode("EXISTS", key, "nosuch"))
                    .Append(RawClient.Encode("GETEX", key))     // a write command, even when it changes nothing
                    .Append(RawClient.Encode("GETDEL", key))
                    .Append(RawClient.Encode("GETEX", key));
            }
            client.Send(payload.ToString());
            for (var i = 0; i < n; i++)
            {
                Assert.Equal("+OK", client.ReadReply());
                Assert.Equal("$old", client.ReadReply());
                Assert.Equal("+OK", client.ReadReply());
                Assert.Equal("$new", client.ReadReply());
                Assert.Equal("-ERR value is not an integer or out of range", client.ReadReply());
                Assert.Equal("$new", client.ReadReply());
                Assert.Equal(":1", client.ReadReply());
                Assert.Equal("$new", client.ReadReply());
                Assert.Equal("$new", client.ReadReply());
                Assert.Equal("$nil", client.ReadReply());
            }
        }
    }

    [Fact]
    public async Task PipelinedReadsNeverGoBackwardsUnderConcurrentWrites()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        await leader.Db.StringSetAsync("pipe:counter", 0);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await leader.Db.StringIncrementAsync("pipe:counter");
            }
        });
        try
        {
            foreach (var node in cluster.Nodes)
            {
                using var client = new RawClient(node.Port);
                for (var round = 0; round < 10; round++)
                {
                    // Reads in one pipeline go out without waiting for each other; their answers must
                    // still come from states in request order. GETs are answered from the record cache, GETRANGEs
                    // from the store on the thread pool: mixed, neither may overtake the other.
                    const int n = 300;
                    client.Send(string.Concat(Enumerable.Range(0, n).Select(i => i % 3 == 1
                        ? RawClient.Encode("GETRANGE", "pipe:counter", "0", "-1")
                        : RawClient.Encode("GET", "pipe:counter"))));
                    var last = -1L;
                    for (var i = 0; i < n; i++)
                    {
                        var value = long.Parse(client.ReadReply()[1..]);
                        Assert.True(value >= last, $"{node.Name}: read {i} saw {value} after {last}");
                        last = value;
                    }
                }
            }
        }
        finally
        {
            stop.Cancel();
            await writer;
        }
        Assert.True((long)await leader.Db.StringGetAsync("pipe:counter") > 0);
    }

    [Fact]
    public async Task KillingTheLeaderUnderLoadLosesNoAcknowledgedWrite()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writers = cluster.Nodes.Where(n => n != leader).Select(node => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"{node.Name}:{i}";
                try
                {
                    if (await node.Db.StringSetAsync(key, "x"))
                    {
                        acknowledged.Add(key);
                    }
                }
                catch (RedisException)
                {
                    // No leader for a moment, or an outcome the server said it could not know.
                }
            }
        })).ToList();
        await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count > 200), TimeSpan.FromSeconds(30), "writes before the kill");
        leader.Kill();
        var killedAt = DateTime.UtcNow;
        var before = acknowledged.Count;
        await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count > before + 50), TimeSpan.FromSeconds(30), "writes after the kill");
        var failover = DateTime.UtcNow - killedAt;
        var newLeader = await cluster.WaitForLeaderAsync(except: leader);
        Assert.NotEqual(leader, newLeader);
        Assert.True(failover < TimeSpan.FromMilliseconds(2 * LocalCluster.ElectionTimeoutMs + 3000), $"writes resumed only after {failover.TotalMilliseconds:F0} ms");
        stop.Cancel();
        await Task.WhenAll(writers);

        foreach (var node in cluster.Running)
        {
            var values = await node.Db.StringGetAsync(acknowledged.Select(k => (RedisKey)k).ToArray());
            Assert.All(values, v => Assert.Equal("x", v));
        }
        // The old leader comes back as a follower and catches up.
        await leader.RestartAsync();
        await Poll.UntilAsync(async () => (await leader.TryRaftInfoAsync())?.GetValueOrDefault("role") == "follower", TimeSpan.FromSeconds(30), "the old leader to follow");
        leader.Db.Execute("READONLY");
        await Poll.UntilAsync(async () =>
        {
            var values = await leader.Db.StringGetAsync(acknowledged.Select(k => (RedisKey)k).ToArray());
            return values.All(v => v == "x");
        }, TimeSpan.FromSeconds(30), "the old leader to catch up");
    }

    [Fact]
    public async Task KillingEveryNodeAtOnceLosesNothingAcknowledged()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var keys = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var node = cluster.Nodes[i % 3];
            Assert.True(await node.Db.StringSetAsync($"durable:{i}", i));
            keys.Add($"durable:{i}");
        }
        Assert.Equal(300, await cluster.Nodes[0].Db.StringIncrementAsync("n", 300));
        foreach (var node in cluster.Nodes)
        {
            node.Kill();
        }
        foreach (var node in cluster.Nodes)
        {
            await node.RestartAsync();
        }
        await cluster.WaitForLeaderAsync();
        foreach (var node in cluster.Nodes)
        {
            var values = await node.Db.StringGetAsync(keys.Select(k => (RedisKey)k).ToArray());
            Assert.Equal(Enumerable.Range(0, 300).Select(i => (RedisValue)i), values);
            Assert.Equal(300, (long)await node.Db.StringGetAsync("n"));
        }
    }

    [Fact]
    public async Task AFollowerDownWhileTheLogIsCompactedCatchesUpBySnapshot()
    {
        await using var cluster = await LocalCluster.StartAsync(3, new Dictionary<string, string>
        {
            ["CAIRN_SNAPSHOT_ENTRIES"] = "200", ["CAIRN_SNAPSHOT_CATCHUP_ENTRIES"] = "50",
        });
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        var followerLast = long.Parse((await follower.TryRaftInfoAsync())!["current_index"]);
        follower.Kill();
        // About 3 MB of values: the checkpoint has files larger than one 1 MB chunk.
        var value = new string('x', 1000);
        for (var batch = 0; batch < 30; batch++)
        {
            await Task.WhenAll(Enumerable.Range(batch * 100, 100).Select(i => leader.Db.StringSetAsync($"key:{i}", $"{i}:{value}")));
        }
        var leaderInfo = (await leader.TryRaftInfoAsync())!;
        Assert.True(long.Parse(leaderInfo["first_index"]) > followerLast + 1, $"log compacted past the follower: first index {leaderInfo["first_index"]}, follower at {followerLast}");

        await follower.RestartAsync();
        await Poll.UntilAsync(async () => await follower.TryRaftInfoAsync() is { } info && info["snapshots_loaded"] != "0"
            && long.Parse(info["last_applied_index"]) >= long.Parse(leaderInfo["commit_index"]), TimeSpan.FromSeconds(60), "the follower installing a snapshot");
        Assert.Equal(3000, (long)await follower.Db.ExecuteAsync("DBSIZE"));
        Assert.Equal($"7:{value}", (string?)await follower.Db.StringGetAsync("key:7"));
        Assert.Equal($"2999:{value}", (string?)await follower.Db.StringGetAsync("key:2999"));
        // It goes on replicating from the log, and leads if it must.
        Assert.True(await leader.Db.StringSetAsync("after", "snapshot"));
        await Poll.UntilAsync(async () => (string?)await follower.Db.StringGetAsync("after", CommandFlags.None) == "snapshot", TimeSpan.FromSeconds(30), "replication after the snapshot");
        // Whichever node led when the follower came back (leadership may have moved under the load) sent it.
        await Poll.UntilAsync(async () =>
        {
            foreach (var node in cluster.Nodes.Where(n => n != follower))
            {
                if (await node.TryRaftInfoAsync() is { } info && info["snapshots_sent"] != "0")
                {
                    return true;
                }
            }
            return false;
        }, TimeSpan.FromSeconds(10), "the leader counting the snapshot it sent");

        // A node joining a cluster whose log no longer starts at 1 starts from a snapshot too.
        var fourth = cluster.AddNode();
        await fourth.StartAsync();
        await cluster.WaitForVotersAsync(4);
        Assert.Equal(3001, (long)await fourth.Db.ExecuteAsync("DBSIZE"));
        Assert.NotEqual("0", (await fourth.TryRaftInfoAsync())!["snapshots_loaded"]);
    }
}
