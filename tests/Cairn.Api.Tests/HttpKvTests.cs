using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cairn.Api.Tests;

/// <summary>/v1/kv on a real 3-node cluster: raw and JSON bodies, binary keys, TTLs, pages, and errors as problem+json.</summary>
public sealed class HttpKvTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task AWriteToAFollowerIsReadOnEveryNodeAsRawBytesAndAsJson()
    {
        var follower = await fixture.FollowerAsync();
        byte[] key = [0x01, (byte)'k', (byte)'/', 0xFF, (byte)' ', (byte)'?'];
        byte[] value = [0, 1, 2, 254, 255, (byte)'\r', (byte)'\n'];
        var path = "/v1/kv/" + Escape(key);
        using var http = ClusterFixture.Http(follower);
        using var put = await http.PutAsync(path, new ByteArrayContent(value));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var revision = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt64();
        Assert.True(revision > 0);

        foreach (var node in fixture.Cluster.Nodes)
        {
            using var client = ClusterFixture.Http(node);
            using var get = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
            Assert.Equal(value, await get.Content.ReadAsByteArrayAsync());
            Assert.Equal(revision.ToString(), get.Headers.GetValues("X-Cairn-Revision").Single());

            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var json = await client.SendAsync(request);
            var item = await json.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(Convert.ToBase64String(key), item.GetProperty("key").GetString());
            Assert.Equal(Convert.ToBase64String(value), item.GetProperty("value").GetString());
            Assert.Equal(revision, item.GetProperty("revision").GetInt64());
            Assert.Equal(JsonValueKind.Null, item.GetProperty("expiresAt").ValueKind);
        }

        // The same key through RESP.
        Assert.Equal(value, (byte[])(await follower.Db.StringGetAsync(key))!);
    }

    /// <summary>Issue 20: GET of a collection is 409 in Redis's words; it is listed, overwritten by PUT, deleted by DELETE.</summary>
    [Fact]
    public async Task ACollectionIsAConflictForGetListedAndReplacedOrDeletedLikeAnyKey()
    {
        var follower = await fixture.FollowerAsync();
        await follower.Db.SetAddAsync("http-coll/set", ["a", "b"]);
        await follower.Db.SortedSetAddAsync("http-coll/zset", "m", 1);
        using var http = ClusterFixture.Http(follower);
        using var get = await http.GetAsync("/v1/kv/http-coll%2Fset");
        Assert.Equal(HttpStatusCode.Conflict, get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("WRONGTYPE", (await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var page = await http.GetFromJsonAsync<JsonElement>("/v1/kv?prefix=http-coll%2F");
        Assert.Equal(["http-coll/set", "http-coll/zset"], page.GetProperty("keys").EnumerateArray().Select(k => Encoding.UTF8.GetString(Convert.FromBase64String(k.GetString()!))));
        using var put = await http.PutAsync("/v1/kv/http-coll%2Fset", new ByteArrayContent("now a string"u8.ToArray()));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("now a string", await http.GetStringAsync("/v1/kv/http-coll%2Fset"));
        using var delete = await http.DeleteAsync("/v1/kv/http-coll%2Fzset");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.False(await follower.Db.KeyExistsAsync("http-coll/zset"));
    }

    [Fact]
    public async Task AJsonPutStoresTheDecodedValueAndADeleteRemovesIt()
    {
        using var http = ClusterFixture.Http(await fixture.FollowerAsync());
        using var put = await http.PutAsync("/v1/kv/json-key", JsonContent.Create(new { value = Convert.ToBase64String("hello"u8.ToArray()) }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("hello", await http.GetStringAsync("/v1/kv/json-key"));

        using var delete = await http.DeleteAsync("/v1/kv/json-key");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        var body = await delete.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("deleted").GetBoolean());
        Assert.True(body.GetProperty("revision").GetInt64() > 0);

        using var again = await http.DeleteAsync("/v1/kv/json-key");
        await AssertProblemAsync(again, HttpStatusCode.NotFound, "no such key");
        using var gone = await http.GetAsync("/v1/kv/json-key");
        await AssertProblemAsync(gone, HttpStatusCode.NotFound, "no such key: 'json-key'");
    }

    [Fact]
    public async Task AKeyPutWithATtlExpires()
    {
        using var http = ClusterFixture.Http(fixture.Cluster.Nodes[0]);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var put = await http.PutAsync("/v1/kv/short-lived?ttl=1", new StringContent("soon gone"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using (var get = await http.GetAsync("/v1/kv/short-lived"))
        {
            var expiresAt = long.Parse(get.Headers.GetValues("X-Cairn-Expires-At").Single());
            Assert.InRange(expiresAt, before + 500, before + 60_000);
        }
        Assert.InRange(await fixture.Cluster.Nodes[0].Db.KeyTimeToLiveAsync("short-lived") ?? TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(async () =>
        {
            using var get = await http.GetAsync("/v1/kv/short-lived");
            return get.StatusCode == HttpStatusCode.NotFound;
        }, TimeSpan.FromSeconds(15), "the key to expire");
    }

    [Fact]
    public async Task KeysAreListedByPrefixInOrderAPageAtATime()
    {
        var db = fixture.Cluster.Nodes[0].Db;
        var expected = Enumerable.Range(0, 25).Select(i => $"page/{i:D3}").ToList();
        foreach (var key in expected)
        {
            await db.StringSetAsync(key, "v");
        }
        await db.StringSetAsync("pagf", "outside the prefix");
        await db.StringSetAsync("pag", "outside too");

        using var http = ClusterFixture.Http(await fixture.FollowerAsync());
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = "/v1/kv?prefix=page%2F&limit=10" + (cursor is null ? "" : "&cursor=" + cursor);
            var page = await http.GetFromJsonAsync<JsonElement>(url);
            var keys = page.GetProperty("keys").EnumerateArray().Select(k => Encoding.UTF8.GetString(Convert.FromBase64String(k.GetString()!))).ToList();
            Assert.True(keys.Count <= 10);
            seen.AddRange(keys);
            cursor = page.GetProperty("cursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);
        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task BadInputGetsProblemDetailsWithAnHonestStatus()
    {
        using var http = ClusterFixture.Http(fixture.Cluster.Nodes[1]);
        using var badTtl = await http.PutAsync("/v1/kv/k?ttl=soon", new StringContent("v"));
        await AssertProblemAsync(badTtl, HttpStatusCode.BadRequest, "ttl must be a positive whole number");
        using var zeroTtl = await http.PutAsync("/v1/kv/k?ttl=0", new StringContent("v"));
        await AssertProblemAsync(zeroTtl, HttpStatusCode.BadRequest, "ttl");
        using var badJson = await http.PutAsync("/v1/kv/k", new StringContent("{\"value\": 12}", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(badJson, HttpStatusCode.BadRequest, "{\"value\": \"<base64>\"}");
        using var badLimit = await http.GetAsync("/v1/kv?limit=0");
        await AssertProblemAsync(badLimit, HttpStatusCode.BadRequest, "limit must be from 1 to 10000");
        using var badCursor = await http.GetAsync("/v1/kv?cursor=***");
        await AssertProblemAsync(badCursor, HttpStatusCode.BadRequest, "cursor");
        using var unknown = await http.GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task AnOverlongUrlIsRefusedAndTheNodeKeepsServing()
    {
        using var http = ClusterFixture.Http(fixture.Cluster.Nodes[0]);
        using var huge = await http.GetAsync("/v1/kv/" + new string('a', 100_000));
        Assert.InRange((int)huge.StatusCode, 400, 499);
        using var put = await http.PutAsync("/v1/kv/after-huge", new StringContent("fine"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("fine", await http.GetStringAsync("/v1/kv/after-huge"));
    }

    internal static string Escape(byte[] key) => string.Concat(key.Select(b => $"%{b:X2}"));

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.GetProperty("detail").GetString());
    }
}
