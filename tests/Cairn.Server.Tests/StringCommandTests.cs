using StackExchange.Redis;

namespace Cairn.Server.Tests;

public class StringCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly IDatabase _db = fixture.Db;

    [Fact]
    public async Task SetGetRoundTripsBinaryValues()
    {
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.True(await _db.StringSetAsync("str:bin", value));
        Assert.Equal(value, (byte[]?)await _db.StringGetAsync("str:bin"));
        Assert.True((await _db.StringGetAsync("str:missing")).IsNull);
    }

    [Fact]
    public async Task SetOptionsBehaveLikeRedis()
    {
        Assert.True(await _db.StringSetAsync("str:opt", "1", when: When.NotExists));
        Assert.False(await _db.StringSetAsync("str:opt", "2", when: When.NotExists));
        Assert.True(await _db.StringSetAsync("str:opt", "3", when: When.Exists));
        Assert.Equal("3", (string?)await _db.StringSetAndGetAsync("str:opt", "4"));
        Assert.True(await _db.StringSetAsync("str:opt", "5", TimeSpan.FromSeconds(100)));
        Assert.InRange((await _db.KeyTimeToLiveAsync("str:opt"))!.Value.TotalSeconds, 90, 100);
        Assert.True(await _db.StringSetAsync("str:opt", "6", null, keepTtl: true));
        Assert.NotNull(await _db.KeyTimeToLiveAsync("str:opt"));
        Assert.Equal("OK", (await _db.ExecuteAsync("SET", "str:opt", "7", "PXAT", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds())).ToString());
        Assert.Equal("7", (string?)await _db.StringGetAsync("str:opt"));
    }

    [Theory]
    [InlineData(new[] { "SET", "k", "v", "NX", "XX" }, "ERR syntax error")]
    [InlineData(new[] { "SET", "k", "v", "EX", "10", "PX", "100" }, "ERR syntax error")]
    [InlineData(new[] { "SET", "k", "v", "EX" }, "ERR syntax error")]
    [InlineData(new[] { "SET", "k", "v", "KEEPTTL", "EX", "1" }, "ERR syntax error")]
    [InlineData(new[] { "SET", "k", "v", "EX", "abc" }, "ERR value is not an integer or out of range")]
    [InlineData(new[] { "SET", "k", "v", "EX", "0" }, "ERR invalid expire time in 'set' command")]
    [InlineData(new[] { "SET", "k", "v", "EX", "9223372036854775807" }, "ERR invalid expire time in 'set' command")]
    [InlineData(new[] { "SETEX", "k", "-1", "v" }, "ERR invalid expire time in 'setex' command")]
    [InlineData(new[] { "PSETEX", "k", "0", "v" }, "ERR invalid expire time in 'psetex' command")]
    [InlineData(new[] { "GETEX", "k", "PERSIST", "EX", "1" }, "ERR syntax error")]
    [InlineData(new[] { "GET" }, "ERR wrong number of arguments for 'get' command")]
    [InlineData(new[] { "GET", "a", "b" }, "ERR wrong number of arguments for 'get' command")]
    [InlineData(new[] { "MSET", "a", "1", "b" }, "ERR wrong number of arguments for 'mset' command")]
    [InlineData(new[] { "INCRBY", "k", "1.5" }, "ERR value is not an integer or out of range")]
    [InlineData(new[] { "DECRBY", "k", "-9223372036854775808" }, "ERR decrement would overflow")]
    [InlineData(new[] { "INCRBYFLOAT", "k", "abc" }, "ERR value is not a valid float")]
    [InlineData(new[] { "SETRANGE", "k", "-1", "v" }, "ERR offset is out of range")]
    [InlineData(new[] { "SETRANGE", "k", "536870911", "ab" }, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    [InlineData(new[] { "SETRANGE", "k", "9223372036854775807", "x" }, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    [InlineData(new[] { "SETRANGE", "k", "9223372036854775806", "xy" }, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    [InlineData(new[] { "SETRANGE", "k", "-9223372036854775808", "x" }, "ERR offset is out of range")]
    [InlineData(new[] { "GETRANGE", "k", "a", "1" }, "ERR value is not an integer or out of range")]
    public async Task BadArgumentsGetRedisErrors(string[] command, string error)
    {
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync(command[0], command[1..]));
        Assert.Equal(error, ex.Message);
    }

    /// <summary>Redis's "SETRANGE with huge offset": the sum of offset and length wrapped, and Apply threw on every replica, forever.</summary>
    [Fact]
    public async Task SetRangeWithAHugeOffsetIsRefusedAndTheNodeKeepsServing()
    {
        await _db.StringSetAsync("str:huge", "v");
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.ExecuteAsync("SETRANGE", "str:huge", "9223372036854775807", "x"));
        Assert.Equal("ERR string exceeds maximum allowed size (proto-max-bulk-len)", ex.Message);
        Assert.Equal(1, (long)await _db.ExecuteAsync("SETRANGE", "str:huge", "9223372036854775807", ""));
        Assert.True(await _db.StringSetAsync("str:huge:after", "b"));
        Assert.Equal("b", (string?)await _db.StringGetAsync("str:huge:after"));
        Assert.Equal("v", (string?)await _db.StringGetAsync("str:huge"));
        Assert.DoesNotContain("cannot go on", fixture.Server.Output);
    }

    [Fact]
    public async Task CountersIncrementAndRejectNonIntegers()
    {
        Assert.Equal(1, await _db.StringIncrementAsync("str:n"));
        Assert.Equal(11, await _db.StringIncrementAsync("str:n", 10));
        Assert.Equal(8, await _db.StringDecrementAsync("str:n", 3));
        Assert.Equal(7, await _db.StringDecrementAsync("str:n"));
        Assert.Equal(7.5, await _db.StringIncrementAsync("str:n", 0.5));
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.StringIncrementAsync("str:n"));
        Assert.Equal("ERR value is not an integer or out of range", ex.Message);
        await _db.StringSetAsync("str:max", long.MaxValue);
        ex = await Assert.ThrowsAsync<RedisServerException>(() => _db.StringIncrementAsync("str:max"));
        Assert.Equal("ERR increment or decrement would overflow", ex.Message);
        Assert.Equal("10.6", (await _db.ExecuteAsync("INCRBYFLOAT", "str:f", "10.6")).ToString());
    }

    [Fact]
    public async Task ConcurrentIncrementsAreNeverLost()
    {
        var tasks = Enumerable.Range(0, 2000).Select(_ => _db.StringIncrementAsync("str:race")).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(2000, (long)await _db.StringGetAsync("str:race"));
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), results.Order());
    }

    [Fact]
    public async Task MultiKeyCommands()
    {
        Assert.True(await _db.StringSetAsync([new("str:m1", "a"), new("str:m2", "b")]));
        Assert.Equal(["a", "b", null], (await _db.StringGetAsync(["str:m1", "str:m2", "str:m3"])).Select(v => (string?)v));
        Assert.False(await _db.StringSetAsync([new("str:m2", "x"), new("str:m3", "y")], When.NotExists));
        Assert.True((await _db.StringGetAsync("str:m3")).IsNull);
    }

    [Fact]
    public async Task StringEditing()
    {
        await _db.StringSetAsync("str:e", "Hello World");
        Assert.Equal(11, (long)await _db.StringSetRangeAsync("str:e", 6, "Redis"));
        Assert.Equal("Hello Redis", (string?)await _db.StringGetAsync("str:e"));
        Assert.Equal(16, await _db.StringAppendAsync("str:e", " Cool"));
        Assert.Equal(16, await _db.StringLengthAsync("str:e"));
        Assert.Equal("Redis", (string?)await _db.StringGetRangeAsync("str:e", 6, 10));
        Assert.Equal("Cool", (string?)await _db.StringGetRangeAsync("str:e", -4, -1));
        Assert.Equal("Hello Redis Cool", (string?)await _db.StringGetDeleteAsync("str:e"));
        Assert.False(await _db.KeyExistsAsync("str:e"));
    }

    [Fact]
    public async Task GetExAndGetSetManageTheTtl()
    {
        await _db.StringSetAsync("str:gx", "v");
        Assert.Equal("v", (string?)await _db.StringGetSetExpiryAsync("str:gx", TimeSpan.FromSeconds(50)));
        Assert.InRange((await _db.KeyTimeToLiveAsync("str:gx"))!.Value.TotalSeconds, 40, 50);
        Assert.Equal("v", (string?)await _db.StringGetSetExpiryAsync("str:gx", null));
        Assert.Null(await _db.KeyTimeToLiveAsync("str:gx"));
        await _db.KeyExpireAsync("str:gx", TimeSpan.FromSeconds(50));
        Assert.Equal("v", (string?)await _db.StringGetSetAsync("str:gx", "w"));
        Assert.Null(await _db.KeyTimeToLiveAsync("str:gx"));
        Assert.True((await _db.StringGetSetExpiryAsync("str:gx-missing", TimeSpan.FromSeconds(5))).IsNull);
    }

    [Fact]
    public async Task SetNxSetExAndPSetEx()
    {
        Assert.Equal(1, (long)await _db.ExecuteAsync("SETNX", "str:nx", "a"));
        Assert.Equal(0, (long)await _db.ExecuteAsync("SETNX", "str:nx", "b"));
        Assert.Equal("OK", (await _db.ExecuteAsync("SETEX", "str:ex", "100", "v")).ToString());
        Assert.Equal("OK", (await _db.ExecuteAsync("PSETEX", "str:pex", "100000", "v")).ToString());
        Assert.InRange((long)await _db.ExecuteAsync("TTL", "str:ex"), 90, 100);
        Assert.InRange((long)await _db.ExecuteAsync("PTTL", "str:pex"), 90_000, 100_000);
    }
}
