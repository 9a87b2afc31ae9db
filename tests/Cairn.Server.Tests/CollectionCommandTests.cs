using StackExchange.Redis;

namespace Cairn.Server.Tests;

/// <summary>
/// The data types through StackExchange.Redis against a real node, over RESP2 and RESP3 (the client parses maps,
/// sets and doubles in RESP3): each family's common calls give what they give against Redis. Byte-for-byte replies
/// are the differential tests' (Cairn.Cluster.Tests).
/// </summary>
public class CollectionCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    public static TheoryData<string> Protocols => new() { "resp2", "resp3" };

    private IDatabase Db(string protocol) =>
        (protocol == "resp3" ? _resp3 ??= fixture.Server.Connect(o => o.Protocol = RedisProtocol.Resp3) : fixture.Server.Redis).GetDatabase();

    private ConnectionMultiplexer? _resp3;

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Hashes(string protocol)
    {
        var db = Db(protocol);
        var key = $"wire:h:{protocol}";
        await db.HashSetAsync(key, [new("a", "1"), new("b", "2"), new("c", "x")]);
        Assert.Equal("2", (string?)await db.HashGetAsync(key, "b"));
        Assert.Equal(["a=1", "b=2", "c=x"], (await db.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal));
        Assert.Equal(11, await db.HashIncrementAsync(key, "a", 10));
        Assert.Equal(2.5, await db.HashIncrementAsync(key, "f", 2.5));
        Assert.True(await db.HashDeleteAsync(key, "c"));
        Assert.Equal(3, await db.HashLengthAsync(key));
        Assert.False(await db.HashSetAsync(key, "a", "z", When.NotExists));
        var error = await Assert.ThrowsAsync<RedisServerException>(() => db.HashIncrementAsync(key, "f", 1));
        Assert.Equal("ERR hash value is not an integer", error.Message);
        var scanned = 0;
        await foreach (var _ in db.HashScanAsync(key, pageSize: 2))
        {
            scanned++;
        }
        Assert.Equal(3, scanned);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Sets(string protocol)
    {
        var db = Db(protocol);
        var (key, other) = ($"wire:s:{protocol}", $"wire:s2:{protocol}");
        Assert.Equal(4, await db.SetAddAsync(key, ["a", "b", "c", "d"]));
        Assert.Equal(2, await db.SetAddAsync(other, ["c", "d"]));
        Assert.True(await db.SetContainsAsync(key, "a"));
        Assert.Equal(["a", "b"], (await db.SetCombineAsync(SetOperation.Difference, key, other)).Select(m => (string)m!).Order(StringComparer.Ordinal));
        Assert.Equal(2, await db.SetCombineAndStoreAsync(SetOperation.Intersect, $"wire:s3:{protocol}", key, other));
        var popped = (string?)await db.SetPopAsync(key);
        Assert.Contains(popped, new[] { "a", "b", "c", "d" });
        Assert.Equal(3, await db.SetLengthAsync(key));
        Assert.Equal(3, (await db.SetRandomMembersAsync(key, 10)).Length);
        Assert.Equal(7, (await db.SetRandomMembersAsync(key, -7)).Length);
        Assert.True(await db.SetMoveAsync(other, key, "c"));
        Assert.Equal(["d"], (await db.SetMembersAsync(other)).Select(m => (string)m!));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task SortedSets(string protocol)
    {
        var db = Db(protocol);
        var key = $"wire:z:{protocol}";
        Assert.Equal(3, await db.SortedSetAddAsync(key, [new("a", 1), new("b", 2.5), new("c", double.PositiveInfinity)]));
        Assert.Equal(2.5, await db.SortedSetScoreAsync(key, "b"));
        Assert.Equal(4.5, await db.SortedSetIncrementAsync(key, "b", 2));
        Assert.Equal(["a", "b"], (await db.SortedSetRangeByScoreAsync(key, 0, 10)).Select(m => (string)m!));
        var top = await db.SortedSetRangeByRankWithScoresAsync(key, 0, 1, Order.Descending);
        Assert.Equal(["c", "b"], top.Select(e => (string)e.Element!));
        Assert.Equal([double.PositiveInfinity, 4.5], top.Select(e => e.Score));
        Assert.Equal(1, await db.SortedSetRankAsync(key, "b"));
        Assert.Equal("a", (string?)(await db.SortedSetPopAsync(key))?.Element);
        Assert.Equal(2, await db.SortedSetLengthAsync(key));
        var error = await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("ZADD", key, "nan", "x"));
        Assert.Equal("ERR value is not a valid float", error.Message);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ListsAndBits(string protocol)
    {
        var db = Db(protocol);
        var (key, bits) = ($"wire:l:{protocol}", $"wire:b:{protocol}");
        Assert.Equal(3, await db.ListRightPushAsync(key, ["a", "b", "c"]));
        Assert.Equal(4, await db.ListLeftPushAsync(key, "z"));
        Assert.Equal(["z", "a", "b", "c"], (await db.ListRangeAsync(key)).Select(m => (string)m!));
        Assert.Equal("b", (string?)await db.ListGetByIndexAsync(key, -2));
        Assert.Equal(5, await db.ListInsertAfterAsync(key, "a", "a2"));
        Assert.Equal("c", (string?)await db.ListRightPopAsync(key));
        Assert.Equal("z", (string?)await db.ListMoveAsync(key, $"{key}:to", ListSide.Left, ListSide.Right));
        Assert.Equal(2, await db.ListPositionAsync(key, "b"));
        Assert.False(await db.StringSetBitAsync(bits, 7, true));
        Assert.True(await db.StringGetBitAsync(bits, 7));
        Assert.Equal(1, await db.StringBitCountAsync(bits));
        Assert.Equal(7, await db.StringBitPositionAsync(bits, true));
        await Assert.ThrowsAsync<RedisServerException>(() => db.ListRangeAsync(bits));
    }
}
