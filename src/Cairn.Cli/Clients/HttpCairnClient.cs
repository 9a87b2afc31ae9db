using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Cli.Clients;

/// <summary>The CLI over the HTTP API (docs/api-http.md).</summary>
public sealed class HttpCairnClient : ICairnClient
{
    private readonly HttpClient _http;

    public HttpCairnClient(string server, TimeSpan timeout)
    {
        var (host, port) = ServerAddress.Parse(server);
        Server = server;
        _http = new HttpClient { BaseAddress = new UriBuilder("http", host, port).Uri, Timeout = timeout };
    }

    public string Server { get; }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new UnreachableException(Server, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnreachableException(Server, new TimeoutException($"no answer within {_http.Timeout.TotalSeconds:0.#} s", ex));
        }
    }

    private static async Task<CliException> ProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var problem = JsonDocument.Parse(text);
            if (problem.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { } message)
            {
                return new CliException(message);
            }
        }
        catch (JsonException)
        {
        }
        return new CliException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}{(text.Length > 0 ? ": " + text : "")}");
    }

    private static string KeyPath(byte[] key) => "/v1/kv/" + string.Concat(key.Select(b => $"%{b:X2}"));

    private static string QueryValue(byte[] bytes) => string.Concat(bytes.Select(b => $"%{b:X2}"));

    public async Task<KvValue?> GetAsync(byte[] key, bool stale, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, KeyPath(key) + (stale ? "?stale=true" : ""));
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response);
        }
        var item = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return new KvValue(key, Convert.FromBase64String(item.GetProperty("value").GetString()!), item.GetProperty("revision").GetInt64(),
            item.GetProperty("expiresAt").ValueKind == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeMilliseconds(item.GetProperty("expiresAt").GetInt64()) : null);
    }

    public async Task<long?> PutAsync(byte[] key, byte[] value, long ttlSeconds, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, KeyPath(key) + (ttlSeconds > 0 ? $"?ttl={ttlSeconds}" : "")) { Content = new ByteArrayContent(value) };
        using var response = await SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response);
        }
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
    }

    public async Task<bool> DeleteAsync(byte[] key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, KeyPath(key));
        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        return response.IsSuccessStatusCode ? true : throw await ProblemAsync(response);
    }

    public async Task<KeyList> ListAsync(byte[] prefix, int limit, string? cursor, bool withValues, CancellationToken cancellationToken)
    {
        var url = $"/v1/kv?prefix={QueryValue(prefix)}&limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response);
        }
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var items = new List<KvValue>();
        foreach (var encoded in page.GetProperty("keys").EnumerateArray())
        {
            var key = Convert.FromBase64String(encoded.GetString()!);
            if (!withValues)
            {
                items.Add(new KvValue(key, [], null, null));
            }
            else if (await GetAsync(key, stale: false, cancellationToken) is { } value)
            {
                items.Add(value);
            }
        }
        return new KeyList(items, page.GetProperty("cursor").GetString());
    }

    public IAsyncEnumerable<WatchChange> WatchAsync(byte[] prefix, long fromRevision, CancellationToken cancellationToken) =>
        throw new CliException("watch streams over gRPC: use --protocol grpc (the default for watch)");

    public async Task<ClusterStatus> ClusterAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/cluster"), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response);
        }
        var view = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        static long? Number(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Number ? e.GetProperty(name).GetInt64() : null;
        return new ClusterStatus(
            view.GetProperty("node").GetString()!,
            view.GetProperty("role").GetString()!,
            view.GetProperty("term").GetInt64(),
            view.GetProperty("leader").GetString(),
            view.GetProperty("commitIndex").GetInt64(),
            view.GetProperty("appliedIndex").GetInt64(),
            view.GetProperty("members").EnumerateArray().Select(m => new MemberRow(
                m.GetProperty("id").GetString()!,
                m.GetProperty("role").GetString()!,
                m.GetProperty("state").GetString()!,
                m.GetProperty("raftAddress").GetString()!,
                m.GetProperty("respAddress").GetString()!,
                Number(m, "matchIndex"),
                Number(m, "lag"))).ToList());
    }

    public async Task AddMemberAsync(string id, string raftAddress, bool stayLearner, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/cluster/members") { Content = JsonContent.Create(new { id, address = raftAddress, learner = stayLearner }) };
        using var response = await SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response);
        }
    }

    public async Task RemoveMemberAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/v1/cluster/members/" + Uri.EscapeDataString(id)), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response);
        }
    }

    public async Task<Health> HealthAsync(CancellationToken cancellationToken)
    {
        using var live = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/health/live"), cancellationToken);
        using var ready = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/health/ready"), cancellationToken);
        var view = await ready.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return new Health(live.IsSuccessStatusCode, ready.IsSuccessStatusCode, view.GetProperty("node").GetString()!, view.GetProperty("role").GetString()!,
            view.GetProperty("leader").GetString(), view.GetProperty("reason").GetString());
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
