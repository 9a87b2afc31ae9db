using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Api.Tests;

/// <summary>The HTTP API of a node that cannot serve (not a member of any cluster yet) and its size limit.</summary>
public sealed class HttpEdgeTests : IAsyncLifetime
{
    private readonly string _directory = ServerProcess.NewDataDirectory();
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var config = Path.Combine(_directory, "cairn.toml");
        // Joins a member that does not exist, so it never belongs to a cluster; small limits keep the test quick.
        await File.WriteAllTextAsync(config, $"""
            server_addr = "127.0.0.1:0"
            [rocksdb]
            data_path = "{Path.Combine(_directory, "data")}"
            [limits]
            proto_max_bulk_len = 1024
            http_max_concurrent_requests = 2
            http_max_request_headers_size = "4kb"
            [raft]
            address = "127.0.0.1:0"
            join = ["127.0.0.1:1"]
            request_timeout = 300
            """);
        _server = await ServerProcess.StartAsync(_directory, ["--config", config]);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{_server.HttpPort}") };

    [Fact]
    public async Task WithoutAClusterReadsAndWritesAre503WithRetryAfterAndTheNodeIsNotReady()
    {
        using var http = Http();
        using var get = await http.GetAsync("/v1/kv/anything");
        await HttpKvTests.AssertProblemAsync(get, HttpStatusCode.ServiceUnavailable, "CLUSTERDOWN");
        Assert.Equal(TimeSpan.FromSeconds(1), get.Headers.RetryAfter?.Delta);
        using var put = await http.PutAsync("/v1/kv/anything", new StringContent("v"));
        await HttpKvTests.AssertProblemAsync(put, HttpStatusCode.ServiceUnavailable, "not a member of a cluster");

        using var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("not a member of a cluster yet", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        using var live = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    /// <summary>Each read here waits out the request timeout (no cluster): 2 served at once, 2 waiting, the rest refused at once.</summary>
    [Fact]
    public async Task CallsPastTheConcurrencyLimitAre503AtOnce()
    {
        using var http = Http();
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            using var response = await http.GetAsync($"/v1/kv/busy{i}");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        var served = responses.Count(r => r.Body.Contains("CLUSTERDOWN", StringComparison.Ordinal));
        Assert.InRange(served, 2, 4);
        using var after = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task HeadersOverTheLimitAre431()
    {
        using var http = Http();
        using var large = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        large.Headers.Add("X-Padding", new string('x', 5000));
        using var refused = await http.SendAsync(large);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, refused.StatusCode);
        using var small = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task AValueOverTheLimitIs413()
    {
        using var http = Http();
        using var raw = await http.PutAsync("/v1/kv/big", new ByteArrayContent(new byte[1025]));
        await HttpKvTests.AssertProblemAsync(raw, HttpStatusCode.RequestEntityTooLarge, "larger than the limit of 1024 bytes");
        using var json = await http.PutAsync("/v1/kv/big", JsonContent.Create(new { value = Convert.ToBase64String(new byte[1500]) }));
        await HttpKvTests.AssertProblemAsync(json, HttpStatusCode.RequestEntityTooLarge, "1024");
    }
}
