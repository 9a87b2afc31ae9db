using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// Issue 20 on real 3-node clusters: writes of every type made on any node survive a kill -9 of the leader and read
/// the same on every node; a follower restored from a snapshot holds the same collections; RAFT.CHECK (the replica
/// digest over every column family) agrees after both.
/// </summary>
public sealed class CollectionClusterTests
{
    /// <summary>Writes of every type, round-robin over the nodes; big ones past Redis's compact thresholds too.</summary>
    private static async Task WriteEveryTypeAsync(IReadOnlyList<LocalCluster.Node> nodes, string tag, int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            var db = nodes[i % nodes.Count].Db;
            await Task.WhenAll(
                db.HashSetAsync($"{tag}:h", $"f{i}", $"v{i}"),
                db.ListRightPushAsync($"{tag}:l", $"e{i}"),
                db.SetAddAsync($"{tag}:s", $"m{i % 150}"),
                db.SortedSetAddAsync($"{tag}:z", $"m{i}", i * 0.5),
                db.StringSetBitAsync($"{tag}:b", i * 3, true));
        }
        var last = nodes[0].Db;
        Assert.Equal(1, await last.ListRemoveAsync($"{tag}:l", "e0"));
        await last.ListTrimAsync($"{tag}:l", 0, rounds / 2);
        Assert.Equal(1, (long)await last.ExecuteAsync("COPY", $"{tag}:z", $"{tag}:z2"));
        Assert.Equal(10, await last.SortedSetRemoveRangeByRankAsync($"{tag}:z2", 0, 9));
    }

    /// <summary>Everything a node holds under the tag, as text, for comparing nodes.</summary>
    private static async Task<string> ReadEveryTypeAsync(IDatabase db, string tag)
    {
        var hash = (await db.HashGetAllAsync($"{tag}:h")).OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => $"{e.Name}={e.Value}");
        var list = await db.ListRangeAsync($"{tag}:l");
        var set = (await db.SetMembersAsync($"{tag}:s")).Select(m => (string)m!).Order(StringComparer.Ordinal);
        var zset = await db.SortedSetRangeByRankWithScoresAsync($"{tag}:z");
        var copy = await db.SortedSetLengthAsync($"{tag}:z2");
        var bits = await db.StringBitCountAsync($"{tag}:b");
        var encodings = await Task.WhenAll(new[] { "h", "l", "s", "z" }.Select(async t => (string?)await db.ExecuteAsync("OBJECT", "ENCODING", $"{tag}:{t}")));
        return $"h:{string.Join(',', hash)}\nl:{string.Join(',', list)}\ns:{string.Join(',', set)}\nz:{string.Join(',', zset.Select(e => $"{e.Element}:{e.Score}"))}\nz2:{copy}\nb:{bits}\n{string.Join(',', encodings)}";
    }

    private static async Task AssertDigestsAgreeAsync(LocalCluster cluster, int members)
    {
        var leader = await cluster.WaitForLeaderAsync();
        var report = (string)(await leader.Db.ExecuteAsync("RAFT.CHECK"))!;
        Assert.True(report.Split(" same").Length - 1 == members - 1, report);
    }

    [Fact]
    public async Task WritesOfEveryTypeSurviveAKillOfTheLeaderAndReadTheSameOnEveryNode()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        await WriteEveryTypeAsync(cluster.Nodes, "kill", 200);
        var expected = await ReadEveryTypeAsync(leader.Db, "kill");
        Assert.EndsWith("hashtable,quicklist,hashtable,skiplist", expected);

        leader.Kill();
        var survivors = cluster.Nodes.Where(n => n != leader).ToList();
        await cluster.WaitForLeaderAsync(except: leader);
        foreach (var node in survivors)
        {
            Assert.Equal(expected, await ReadEveryTypeAsync(node.Db, "kill"));
        }
        // Writes go on with a member down, and the old leader catches up on all of it.
        await WriteEveryTypeAsync(survivors, "after", 50);
        await leader.RestartAsync();
        await Poll.UntilAsync(async () => (await leader.TryRaftInfoAsync())?.GetValueOrDefault("role") == "follower", TimeSpan.FromSeconds(30), "the old leader to follow");
        var afterExpected = await ReadEveryTypeAsync(survivors[0].Db, "after");
        await Poll.UntilAsync(async () => await ReadEveryTypeAsync(leader.Db, "after") == afterExpected, TimeSpan.FromSeconds(30), "the old leader to catch up");
        Assert.Equal(expected, await ReadEveryTypeAsync(leader.Db, "kill"));
        await AssertDigestsAgreeAsync(cluster, 3);
    }

    [Fact]
    public async Task AFollowerRestoredFromASnapshotHoldsTheSameCollections()
    {
        await using var cluster = await LocalCluster.StartAsync(3, new Dictionary<string, string>
        {
            ["CAIRN_SNAPSHOT_ENTRIES"] = "200", ["CAIRN_SNAPSHOT_CATCHUP_ENTRIES"] = "50",
        });
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        await WriteEveryTypeAsync(cluster.Nodes, "before", 30);
        var followerLast = long.Parse((await follower.TryRaftInfoAsync())!["current_index"]);
        follower.Kill();
        var others = cluster.Nodes.Where(n => n != follower).ToList();
        await WriteEveryTypeAsync(others, "snap", 300);
        // A collection deleted while the follower is away leaves nothing behind in the snapshot it gets.
        await others[0].Db.KeyDeleteAsync("before:l");
        var leaderInfo = (await (await cluster.WaitForLeaderAsync()).TryRaftInfoAsync())!;
        Assert.True(long.Parse(leaderInfo["first_index"]) > followerLast + 1, $"log compacted past the follower: first index {leaderInfo["first_index"]}, follower at {followerLast}");

        await follower.RestartAsync();
        await Poll.UntilAsync(async () => await follower.TryRaftInfoAsync() is { } info && info["snapshots_loaded"] != "0"
            && long.Parse(info["last_applied_index"]) >= long.Parse(leaderInfo["commit_index"]), TimeSpan.FromSeconds(60), "the follower installing a snapshot");
        follower.Db.Execute("READONLY");
        Assert.Equal(await ReadEveryTypeAsync(others[0].Db, "snap"), await ReadEveryTypeAsync(follower.Db, "snap"));
        Assert.Equal(await ReadEveryTypeAsync(others[0].Db, "before"), await ReadEveryTypeAsync(follower.Db, "before"));
        Assert.False(await follower.Db.KeyExistsAsync("before:l"));
        await AssertDigestsAgreeAsync(cluster, 3);
    }
}
