using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cairn.Api.Tests;

/// <summary>POST and DELETE /v1/cluster/members against a real cluster, through a follower.</summary>
public sealed partial class HttpMembershipTests : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ANodeIsAddedAsALearnerPromotedThenRemoved()
    {
        // A fresh node that neither bootstraps nor joins: it waits to be added.
        await using var fourth = await ServerProcess.StartAsync(args: ["--node-id", "node4", "--raft-addr", "127.0.0.1:0", "--bootstrap", "false"]);
        var raftPort = PeerPortLine().Match(fourth.Output).Groups[1].Value;
        var leader = await _cluster.WaitForLeaderAsync();
        var follower = _cluster.Nodes.First(n => n != leader);
        using var http = ClusterFixture.Http(follower);

        using var bad = await http.PostAsJsonAsync("/v1/cluster/members", new { id = "node4", address = "nowhere" });
        await HttpKvTests.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "host:port");

        await leader.Db.StringSetAsync("leader-ready", "yes");
        using var added = await http.PostAsJsonAsync("/v1/cluster/members", new { id = "node4", address = $"127.0.0.1:{raftPort}" });
        Assert.True(added.StatusCode == HttpStatusCode.Created, $"{added.StatusCode}: {await added.Content.ReadAsStringAsync()}");
        await Poll.UntilAsync(async () =>
        {
            var view = await http.GetFromJsonAsync<JsonElement>("/v1/cluster");
            return view.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("id").GetString() == "node4" && m.GetProperty("role").GetString() == "voter");
        }, TimeSpan.FromSeconds(30), "node4 to become a voter");
        using var again = await http.PostAsJsonAsync("/v1/cluster/members", new { id = "node4", address = $"127.0.0.1:{raftPort}" });
        await HttpKvTests.AssertProblemAsync(again, HttpStatusCode.Conflict, "already exists");

        await leader.Db.StringSetAsync("seen-by-node4", "yes");
        using (var node4 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fourth.HttpPort}") })
        {
            Assert.Equal("yes", await node4.GetStringAsync("/v1/kv/seen-by-node4"));
        }

        using var removed = await http.DeleteAsync("/v1/cluster/members/node4");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        await Poll.UntilAsync(async () =>
        {
            var view = await http.GetFromJsonAsync<JsonElement>("/v1/cluster");
            return view.GetProperty("members").GetArrayLength() == 3;
        }, TimeSpan.FromSeconds(30), "node4 to leave");
        using var missing = await http.DeleteAsync("/v1/cluster/members/node4");
        await HttpKvTests.AssertProblemAsync(missing, HttpStatusCode.NotFound, "no member 'node4'");
        await leader.Db.StringSetAsync("after-removal", "still serving");
        Assert.Equal("still serving", await http.GetStringAsync("/v1/kv/after-removal"));
    }

    [Fact]
    public async Task ANodeAddedAsALearnerStaysOneAndServesReads()
    {
        await using var fifth = await ServerProcess.StartAsync(args: ["--node-id", "reader", "--raft-addr", "127.0.0.1:0", "--bootstrap", "false"]);
        var raftPort = PeerPortLine().Match(fifth.Output).Groups[1].Value;
        var leader = await _cluster.WaitForLeaderAsync();
        // A leader refuses membership changes until it has committed an entry of its term: an acknowledged
        // write says it has.
        await leader.Db.StringSetAsync("leader-ready", "yes");
        using var http = ClusterFixture.Http(leader);
        using var added = await http.PostAsJsonAsync("/v1/cluster/members", new { id = "reader", address = $"127.0.0.1:{raftPort}", learner = true });
        Assert.True(added.StatusCode == HttpStatusCode.Created, $"{added.StatusCode}: {await added.Content.ReadAsStringAsync()}");

        await leader.Db.StringSetAsync("for-the-reader", "here");
        await Poll.UntilAsync(async () =>
        {
            var view = await http.GetFromJsonAsync<JsonElement>("/v1/cluster");
            var lastIndex = view.GetProperty("commitIndex").GetInt64();
            return view.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("id").GetString() == "reader" && m.GetProperty("lag").GetInt64() == 0 && m.GetProperty("matchIndex").GetInt64() >= lastIndex);
        }, TimeSpan.FromSeconds(30), "the learner to catch up");
        // Caught up: a normal learner is promoted at the next heartbeat (100 ms). Watch ten of them pass.
        for (var i = 0; i < 10; i++)
        {
            await leader.Db.StringSetAsync($"while-learning-{i}", i);
            await Task.Delay(100);
        }
        var members = (await http.GetFromJsonAsync<JsonElement>("/v1/cluster")).GetProperty("members").EnumerateArray().ToList();
        Assert.Equal("learner", members.Single(m => m.GetProperty("id").GetString() == "reader").GetProperty("role").GetString());
        Assert.Equal(3, members.Count(m => m.GetProperty("role").GetString() == "voter"));
        using (var reader = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fifth.HttpPort}") })
        {
            Assert.Equal("here", await reader.GetStringAsync("/v1/kv/for-the-reader"));
        }
        Assert.Equal("learner", (await InfoFieldsOf(fifth))["role"]);
        var syntax = await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => leader.Db.ExecuteAsync("RAFT.NODE", "ADD", "x", "127.0.0.1:1", "VOTER"));
        Assert.Equal("ERR syntax error", syntax.Message);
    }

    private static async Task<Dictionary<string, string>> InfoFieldsOf(ServerProcess server)
    {
        using var client = server.Raw();
        return InfoFields.Parse(await Task.Run(() => client.Call("RAFT.INFO")));
    }

    [GeneratedRegex(@"listening for peers on .*:(\d+), advertised")]
    private static partial Regex PeerPortLine();
}
