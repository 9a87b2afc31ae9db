using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Api.Tests;

/// <summary>/v1/cluster, /v1/raft/stats, health, metrics and the OpenAPI document on a real 3-node cluster.</summary>
public sealed class HttpClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task TheLeaderReportsEveryMemberWithMatchIndexAndLag()
    {
        var leader = await fixture.Cluster.WaitForLeaderAsync();
        using var http = ClusterFixture.Http(leader);
        await leader.Db.StringSetAsync("cluster-view", "1");
        var view = await http.GetFromJsonAsync<JsonElement>("/v1/cluster");
        Assert.Equal("leader", view.GetProperty("role").GetString());
        Assert.Equal(leader.Name, view.GetProperty("leader").GetString());
        Assert.True(view.GetProperty("term").GetInt64() > 0);
        var members = view.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["node1", "node2", "node3"], members.Select(m => m.GetProperty("id").GetString()).Order());
        Assert.All(members, m =>
        {
            Assert.Equal("voter", m.GetProperty("role").GetString());
            Assert.True(m.GetProperty("matchIndex").GetInt64() > 0);
            Assert.True(m.GetProperty("lag").GetInt64() >= 0);
            Assert.StartsWith("127.0.0.1:", m.GetProperty("respAddress").GetString());
        });

        var follower = fixture.Cluster.Nodes.First(n => n != leader);
        using var followerHttp = ClusterFixture.Http(follower);
        var followerView = await followerHttp.GetFromJsonAsync<JsonElement>("/v1/cluster");
        Assert.Equal("follower", followerView.GetProperty("role").GetString());
        Assert.Equal(leader.Name, followerView.GetProperty("leader").GetString());

        var stats = await followerHttp.GetFromJsonAsync<JsonElement>("/v1/raft/stats");
        Assert.Equal(follower.Name, stats.GetProperty("node").GetString());
        Assert.True(stats.GetProperty("appliedIndex").GetInt64() > 0);
        Assert.True(stats.GetProperty("storage").TryGetProperty("rocksdb_estimate_num_keys", out _));
    }

    [Fact]
    public async Task EveryNodeIsLiveAndReady()
    {
        foreach (var node in fixture.Cluster.Nodes)
        {
            using var http = ClusterFixture.Http(node);
            using var live = await http.GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            await Poll.UntilAsync(async () =>
            {
                using var ready = await http.GetAsync("/health/ready");
                return ready.StatusCode == HttpStatusCode.OK
                    && (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "ready";
            }, TimeSpan.FromSeconds(10), $"{node.Name} to be ready");
        }
    }

    [Fact]
    public async Task MetricsCoverRaftStorageRespAndHttp()
    {
        var node = fixture.Cluster.Nodes[0];
        await node.Db.StringSetAsync("metered", "1");
        await node.Db.StringGetAsync("metered");
        using var http = ClusterFixture.Http(node);
        (await http.GetAsync("/v1/kv/metered")).Dispose();
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var samples = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToList();
        double Value(string prefix) => double.Parse(samples.First(l => l.StartsWith(prefix, StringComparison.Ordinal)).Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(Value("cairn_raft_term ") >= 1);
        Assert.True(Value("cairn_raft_commit_index ") >= Value("cairn_raft_log_first_index ") - 1);
        Assert.Equal(3, Value("cairn_raft_members{kind=\"voter\"}"));
        Assert.True(Value("cairn_keys ") >= 1);
        Assert.True(Value("cairn_raft_log_bytes ") > 0);
        Assert.Contains(samples, l => l.StartsWith("cairn_record_cache_hits ", StringComparison.Ordinal));
        Assert.True(Value("cairn_resp_command_duration_seconds_count{command=\"set\",outcome=\"ok\"}") >= 1);
        Assert.True(Value("cairn_resp_command_duration_seconds_count{command=\"get\",outcome=\"ok\"}") >= 1);
        Assert.True(Value("cairn_resp_clients_connected ") >= 1);
        Assert.True(Value("cairn_raft_log_write_duration_seconds_count ") >= 1);
        Assert.Contains(samples, l => l.StartsWith("cairn_rocksdb_estimate_num_keys ", StringComparison.Ordinal));
        Assert.Contains(samples, l => l.StartsWith("http_request_duration_seconds_count{code=\"200\",method=\"GET\"", StringComparison.Ordinal) && l.Contains("endpoint=\"/v1/kv/{**key}\"", StringComparison.Ordinal));
        Assert.Contains(samples, l => l.StartsWith("process_cpu_seconds_total ", StringComparison.Ordinal));
        Assert.Contains(samples, l => l.StartsWith("dotnet_gc_pause_time_seconds_total ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheApi()
    {
        using var http = ClusterFixture.Http(fixture.Cluster.Nodes[2]);
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/kv/{key}", "/v1/kv", "/v1/cluster", "/v1/cluster/members", "/v1/cluster/members/{id}", "/v1/raft/stats", "/health/ready" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the document lacks {path}");
        }
    }
}
