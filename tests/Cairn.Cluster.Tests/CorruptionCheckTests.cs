using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// The corruption check: members' digests at one log index agree on a healthy cluster; a record put into one node's
/// store behind the state machine's back (CAIRN_TEST_CORRUPT_STORE, test-only) is caught, the node named, and the
/// leader raises the alarm: writes refused, RAFT.INFO and INFO say why, /health/ready fails.
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
    }
}
