using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// A follower that dies at any step of installing a snapshot (test crash points, CAIRN_TEST_CRASH_AT) starts again
/// and catches up: staged but not swapped in, the old store renamed aside but the new one not in place, swapped in
/// but the log not restarted after it.
/// </summary>
public sealed class SnapshotCrashTests
{
    [Theory]
    [InlineData("snapshot-staged")]
    [InlineData("snapshot-renamed")]
    [InlineData("snapshot-swapped")]
    public async Task AFollowerCrashingWhileItInstallsASnapshotStartsAndCatchesUp(string point)
    {
        await using var cluster = await LocalCluster.StartAsync(3, new Dictionary<string, string>
        {
            ["CAIRN_SNAPSHOT_ENTRIES"] = "200", ["CAIRN_SNAPSHOT_CATCHUP_ENTRIES"] = "50",
        });
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        Assert.True(await leader.Db.StringSetAsync("before", "1"));
        await Poll.UntilAsync(async () => (string?)await follower.Db.StringGetAsync("before") == "1", TimeSpan.FromSeconds(20), "the follower replicating");
        follower.Kill();
        for (var batch = 0; batch < 10; batch++)
        {
            await Task.WhenAll(Enumerable.Range(batch * 100, 100).Select(i => leader.Db.StringSetAsync($"key:{i}", $"v{i}")));
        }

        cluster.Environment["CAIRN_TEST_CRASH_AT"] = point;
        await follower.RestartAsync();
        await Poll.UntilAsync(() => Task.FromResult(!follower.IsRunning), TimeSpan.FromSeconds(60), $"the follower crashing at {point}");
        Assert.Contains($"crashing at {point}", follower.Server!.Output);
        cluster.Environment.Remove("CAIRN_TEST_CRASH_AT");

        await follower.RestartAsync();
        await Poll.UntilAsync(async () => (long)await follower.Db.ExecuteAsync("DBSIZE") == 1001 && (string?)await follower.Db.StringGetAsync("key:999") == "v999",
            TimeSpan.FromSeconds(60), "the follower catching up after the crash");
        Assert.True(await leader.Db.StringSetAsync("after", "crash"));
        await Poll.UntilAsync(async () => (string?)await follower.Db.StringGetAsync("after") == "crash", TimeSpan.FromSeconds(30), "replication after it");
        Assert.Equal("1", (string?)await follower.Db.StringGetAsync("before"));
    }
}
