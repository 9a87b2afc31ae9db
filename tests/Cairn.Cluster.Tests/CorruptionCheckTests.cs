using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// The corruption check: members' digests at one log index agree on a healthy cluster; a record put into one node's
/// store behind the state machine's back (CAIRN_TEST_CORRUPT_STORE, test-only) is caught, the node named, and the
/// leader raises the alarm: writes refused, RAFT.INFO and INFO say why, /health/ready fails. The alarm is replicated
/// (every member refuses writes, whichever leads) until RAFT.ALARM DISARM.
/// </summary>
public sealed class CorruptionCheckTests
{
    [Fact]
    public async Task RaftCheckAgreesOnAHealthyClusterAndNamesTheNodeWhoseStoreWasChanged()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        Assert.True(await leader.Db.StringSetAsync("a", "1"));
        var healthy = (string)(await leader.Db.ExecuteAsync("RAFT.CHECK"))!;
        Assert.True(healthy.Split(" same").Length - 1 == 2, healthy);

        var follower = cluster.Nodes.First(n => n != leader);
        follower.Kill();
        cluster.Environment["CAIRN_TEST_CORRUPT_STORE"] = "1";
        await follower.RestartAsync();
        cluster.Environment.Remove("CAIRN_TEST_CORRUPT_STORE");
        await Poll.UntilAsync(async () => (string?)await follower.Db.StringGetAsync("a") == "1", TimeSpan.FromSeconds(30), "the follower back");
        leader = await cluster.WaitForLeaderAsync();

        var error = await Assert.ThrowsAsync<RedisServerException>(() => leader.Db.ExecuteAsync("RAFT.CHECK"));
        Assert.StartsWith("CORRUPT index ", error.Message);
        Assert.Contains($"{follower.Name} ", error.Message);
        Assert.Contains("DIFFERENT", error.Message);
        Assert.Contains(follower.Name, (await leader.TryRaftInfoAsync())!["corrupt_alarm"]);
        Assert.Contains("raft_corrupt_alarm:at index", (await leader.Db.ExecuteAsync("INFO", "replication")).ToString());
        var refused = await Assert.ThrowsAsync<RedisServerException>(() => leader.Db.StringSetAsync("b", "2"));
        Assert.StartsWith("CORRUPT the replicas' states differ", refused.Message);
        using var http = new HttpClient();
        var ready = await http.GetAsync(new Uri(leader.HttpUri, "/health/ready"));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("corrupt alarm", await ready.Content.ReadAsStringAsync());

        // The alarm went through the log: every member refuses writes, also a new leader, until it is disarmed.
        var healthyFollower = cluster.Nodes.First(n => n != leader && n != follower);
        await Poll.UntilAsync(async () => (await healthyFollower.TryRaftInfoAsync())?["corrupt_alarm"].Contains(follower.Name) == true, TimeSpan.FromSeconds(10), "the alarm on every member");
        Assert.Equal("OK", (await leader.Db.ExecuteAsync("RAFT.TRANSFER_LEADER", healthyFollower.Name)).ToString());
        leader = await cluster.WaitForLeaderAsync();
        Assert.Equal(healthyFollower.Name, leader.Name);
        refused = await Assert.ThrowsAsync<RedisServerException>(() => follower.Db.StringSetAsync("b", "2"));
        Assert.StartsWith("CORRUPT the replicas' states differ", refused.Message);
        var listed = (RedisResult[])(await leader.Db.ExecuteAsync("RAFT.ALARM"))!;
        Assert.StartsWith($"CORRUPT at index ", Assert.Single(listed).ToString());
        var check = await http.PostAsync(new Uri(leader.HttpUri, "/v1/cluster/check"), null);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, check.StatusCode);
        Assert.Contains("DIFFERENT", await check.Content.ReadAsStringAsync());
        var alarms = await http.GetStringAsync(new Uri(leader.HttpUri, "/v1/cluster/alarms"));
        Assert.Contains("\"alarm\":\"CORRUPT\"", alarms);

        // Disarmed from any member (once the damaged one is rebuilt; here it is not, and a check would raise it again).
        Assert.Equal("OK", (await follower.Db.ExecuteAsync("RAFT.ALARM", "DISARM")).ToString());
        foreach (var node in cluster.Nodes)
        {
            await Poll.UntilAsync(async () => (await node.TryRaftInfoAsync())?["corrupt_alarm"] == "", TimeSpan.FromSeconds(10), $"the alarm gone on {node.Name}");
        }
        Assert.True(await follower.Db.StringSetAsync("b", "2"));
        Assert.Empty((RedisResult[])(await leader.Db.ExecuteAsync("RAFT.ALARM"))!);
        Assert.Equal("[]", await http.GetStringAsync(new Uri(leader.HttpUri, "/v1/cluster/alarms")));
        var syntax = await Assert.ThrowsAsync<RedisServerException>(() => leader.Db.ExecuteAsync("RAFT.ALARM", "ARM"));
        Assert.Equal("ERR syntax error", syntax.Message);
    }
}
