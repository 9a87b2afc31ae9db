using StackExchange.Redis;

namespace Cairn.Server.Tests;

public class KeyCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly IDatabase _db = fixture.Db;

    [Fact]
    public async Task DeleteExistsTypeAndTouch()
    {
        await _db.StringSetAsync("key:a", "1");
        await _db.StringSetAsync("key:b", "2");
        Assert.Equal(3, (long)await _db.ExecuteAsync("EXISTS", "key:a", "key:b", "key:a", "key:none"));
        Assert.Equal(2, (long)await _db.ExecuteAsync("TOUCH", "key:a", "key:b", "key:none"));
        Assert.Equal(RedisType.String, await _db.KeyTypeAsync("key:a"));
        Assert.Equal(RedisType.None, await _db.KeyTypeAsync("key:none"));
        Assert.Equal(2, await _db.KeyDeleteAsync(["key:a", "key:b", "key:none"]));
        Assert.Equal(0, (long)await _db.ExecuteAsync("UNLINK", "key:a"));
    }

    [Fact]
    public async Task RenameMovesValueAndTtl()
    {
        await _db.StringSetAsync("key:src", "v", TimeSpan.FromSeconds(100));
        Assert.True(await _db.KeyRenameAsync("key:src", "key:dst"));
        Assert.False(await _db.KeyExistsAsync("key:src"));
        Assert.NotNull(await _db.KeyTimeToLiveAsync("key:dst"));
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.KeyRenameAsync("key:src", "key:x"));
        Assert.Equal("ERR no such key", ex.Message);
        await _db.StringSetAsync("key:other", "o");
        Assert.False(await _db.KeyRenameAsync("key:dst", "key:other", When.NotExists));
    }

    [Fact]
    public async Task ExpiryCommandsAndOptions()
    {
        await _db.StringSetAsync("key:e", "v");
        Assert.Equal(-1, (long)await _db.ExecuteAsync("TTL", "key:e"));
        Assert.Equal(-2, (long)await _db.ExecuteAsync("TTL", "key:nothing"));
        Assert.Equal(0, (long)await _db.ExecuteAsync("EXPIRE", "key:e", "100", "XX"));
        Assert.Equal(1, (long)await _db.ExecuteAsync("EXPIRE", "key:e", "100", "NX"));
        Assert.Equal(0, (long)await _db.ExecuteAsync("EXPIRE", "key:e", "50", "GT"));
        Assert.Equal(1, (long)await _db.ExecuteAsync("PEXPIRE", "key:e", "50000", "LT"));
        var at = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        Assert.Equal(1, (long)await _db.ExecuteAsync("EXPIREAT", "key:e", at));
        Assert.Equal(at, (long)await _db.ExecuteAsync("EXPIRETIME", "key:e"));
        Assert.Equal(at * 1000, (long)await _db.ExecuteAsync("PEXPIRETIME", "key:e"));
        Assert.Equal(1, (long)await _db.ExecuteAsync("PEXPIREAT", "key:e", at * 1000 + 5));
        Assert.True(await _db.KeyPersistAsync("key:e"));
        Assert.False(await _db.KeyPersistAsync("key:e"));
        Assert.Equal(1, (long)await _db.ExecuteAsync("EXPIRE", "key:e", "-1"));
        Assert.False(await _db.KeyExistsAsync("key:e"));
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", "key:e", "10", "NX", "GT"));
        Assert.Equal("ERR NX and XX, GT or LT options at the same time are not compatible", ex.Message);
        ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", "key:e", "10", "GT", "LT"));
        Assert.Equal("ERR GT and LT options at the same time are not compatible", ex.Message);
        ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", "key:e", "10", "FOO"));
        Assert.Equal("ERR Unsupported option FOO", ex.Message);
        ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("EXPIRE", "key:e", "9223372036854775807"));
        Assert.Equal("ERR invalid expire time in 'expire' command", ex.Message);
    }

    [Fact]
    public async Task KeysExpireActivelyWithoutBeingRead()
    {
        await using var server = await ServerProcess.StartAsync();
        var db = server.Redis.GetDatabase();
        // Keys first, TTLs after the count: a slow machine must not let any expire before it is taken.
        for (var i = 0; i < 50; i++)
        {
            await db.StringSetAsync($"short:{i}", "v");
        }
        await db.StringSetAsync("long", "v");
        Assert.Equal(51, (long)await db.ExecuteAsync("DBSIZE"));
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => db.KeyExpireAsync($"short:{i}", TimeSpan.FromMilliseconds(100))));
        await Poll.UntilAsync(async () => (long)await db.ExecuteAsync("DBSIZE") == 1, TimeSpan.FromSeconds(10), "active expiry");
        // The counter is the expiry cycle's: it adds a deletion's count once the proposal answers, just after it applied.
        await Poll.UntilAsync(async () => ((string)(await db.ExecuteAsync("INFO", "stats"))!).Contains("expired_keys:50\r\n", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "expired_keys:50");
        Assert.Equal(1, (long)await db.ExecuteAsync("DBSIZE"));
    }

    [Fact]
    public async Task ScanKeysAndRandomKey()
    {
        await using var server = await ServerProcess.StartAsync();
        var db = server.Redis.GetDatabase();
        Assert.True((await db.ExecuteAsync("RANDOMKEY")).IsNull);
        var keys = Enumerable.Range(0, 300).Select(i => $"scan:{i}").ToList();
        await db.StringSetAsync(keys.Select(k => new KeyValuePair<RedisKey, RedisValue>(k, "v")).ToArray());
        await db.StringSetAsync("other", "v");
        var scanned = server.Redis.GetServer("127.0.0.1", server.Port).Keys(pattern: "scan:*", pageSize: 17).Select(k => (string)k!).ToList();
        Assert.Equal(keys.Order(), scanned.Order());
        var all = (RedisResult[])(await db.ExecuteAsync("KEYS", "*"))!;
        Assert.Equal(301, all.Length);
        var some = (RedisResult[])(await db.ExecuteAsync("KEYS", "scan:1?"))!;
        Assert.Equal(10, some.Length);
        Assert.NotNull((string?)await db.ExecuteAsync("RANDOMKEY"));
        var page = (RedisResult[])(await db.ExecuteAsync("SCAN", "0", "TYPE", "hash"))!;
        Assert.Empty((RedisResult[])page[1]!);
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("SCAN", "abc"));
        Assert.Equal("ERR invalid cursor", ex.Message);
        ex = await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("SCAN", "0", "COUNT", "0"));
        Assert.Equal("ERR syntax error", ex.Message);
        Assert.Equal(301, (long)await db.ExecuteAsync("DBSIZE"));
        Assert.Equal("OK", (await db.ExecuteAsync("FLUSHALL")).ToString());
        Assert.Equal(0, (long)await db.ExecuteAsync("DBSIZE"));
        Assert.Equal("OK", (await db.ExecuteAsync("FLUSHDB", "ASYNC")).ToString());
    }
}
