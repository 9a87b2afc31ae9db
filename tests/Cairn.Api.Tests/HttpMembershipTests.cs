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

        using var added = await http.PostAsJsonAsync("/v1/cluster/members", new { id = "node4", address = $"127.0.0.1:{raftPort}" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
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

    [GeneratedRegex(@"listening for peers on .*:(\d+), advertised")]
    private static partial Regex PeerPortLine();
}
