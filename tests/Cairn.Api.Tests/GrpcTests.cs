using Cairn.Api.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cairn.Api.Tests;

/// <summary>cairn.v1.Kv over HTTP/2 (cleartext) on a real 3-node cluster that snapshots and compacts often.</summary>
public sealed class GrpcTests : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(3, new Dictionary<string, string>
    {
        ["CAIRN_SNAPSHOT_ENTRIES"] = "300",
        ["CAIRN_SNAPSHOT_CATCHUP_ENTRIES"] = "50",
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    internal static Kv.KvClient Client(LocalCluster.Node node, out GrpcChannel channel)
    {
        channel = GrpcChannel.ForAddress(node.GrpcUri);
        return new Kv.KvClient(channel);
    }

    [Fact]
    public async Task PutGetRangeAndDeleteThroughAFollower()
    {
        var leader = await _cluster.WaitForLeaderAsync();
        var follower = _cluster.Nodes.First(n => n != leader);
        var client = Client(follower, out var channel);
        using var _ = channel;

        var key = ByteString.CopyFrom([0, 1, 2, 0xFF]);
        var put = await client.PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8("binary-safe"), TtlSeconds = 3600 });
        Assert.True(put.Revision > 0);
        var got = await client.GetAsync(new GetRequest { Key = key });
        Assert.True(got.Found);
        Assert.Equal("binary-safe", got.Kv.Value.ToStringUtf8());
        Assert.Equal(put.Revision, got.Kv.ModRevision);
        Assert.InRange(got.Kv.ExpireAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_500_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_700_000);
        Assert.False((await client.GetAsync(new GetRequest { Key = ByteString.CopyFromUtf8("absent") })).Found);

        for (var i = 0; i < 7; i++)
        {
            await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"grpc/range/{i}"), Value = ByteString.CopyFromUtf8($"v{i}") });
        }
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await client.RangeAsync(new RangeRequest { Prefix = ByteString.CopyFromUtf8("grpc/range/"), Limit = 3, PageToken = token });
            seen.AddRange(page.Kvs.Select(kv => $"{kv.Key.ToStringUtf8()}={kv.Value.ToStringUtf8()}"));
            Assert.All(page.Kvs, kv => Assert.True(kv.ModRevision > 0));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"grpc/range/{i}=v{i}"), seen);

        // A stale read on another node sees it once that node has applied it.
        var other = Client(leader, out var otherChannel);
        using var __ = otherChannel;
        Assert.True((await other.GetAsync(new GetRequest { Key = key, Stale = true })).Found);

        var deleted = await client.DeleteAsync(new DeleteRequest { Key = key });
        Assert.True(deleted.Deleted);
        Assert.True(deleted.Revision > put.Revision);
        Assert.False((await client.DeleteAsync(new DeleteRequest { Key = key })).Deleted);
        Assert.False((await client.GetAsync(new GetRequest { Key = key })).Found);
    }

    [Fact]
    public async Task BadRequestsGetInvalidArgument()
    {
        var client = Client(_cluster.Nodes[0], out var channel);
        using var _ = channel;
        var empty = await Assert.ThrowsAsync<RpcException>(() => client.PutAsync(new PutRequest { Key = ByteString.Empty, Value = ByteString.CopyFromUtf8("v") }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        var token = await Assert.ThrowsAsync<RpcException>(() => client.RangeAsync(new RangeRequest { PageToken = "!!" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, token.StatusCode);
        var limit = await Assert.ThrowsAsync<RpcException>(() => client.RangeAsync(new RangeRequest { Limit = 100_000 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, limit.StatusCode);
    }

    /// <summary>Issue 20: a collection has no single value; gRPC says so and lists it by key.</summary>
    [Fact]
    public async Task ACollectionIsRefusedAsAValueListedByKeyAndWatchedWithItsType()
    {
        var leader = await _cluster.WaitForLeaderAsync();
        var client = Client(leader, out var channel);
        using var _ = channel;
        var start = await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("coll/0"), Value = ByteString.CopyFromUtf8("s") });
        await leader.Db.HashSetAsync("coll/h", "f", "v");
        await leader.Db.ListRightPushAsync("coll/l", "x");

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.GetAsync(new GetRequest { Key = ByteString.CopyFromUtf8("coll/h") }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.StartsWith("WRONGTYPE", refused.Status.Detail);
        var keys = await client.RangeAsync(new RangeRequest { Prefix = ByteString.CopyFromUtf8("coll/"), KeysOnly = true });
        Assert.Equal(["coll/0", "coll/h", "coll/l"], keys.Kvs.Select(kv => kv.Key.ToStringUtf8()));
        var values = await client.RangeAsync(new RangeRequest { Prefix = ByteString.CopyFromUtf8("coll/") });
        Assert.Equal(["coll/0"], values.Kvs.Select(kv => kv.Key.ToStringUtf8()));

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = client.Watch(new WatchRequest { Prefix = ByteString.CopyFromUtf8("coll/"), StartRevision = start.Revision }, cancellationToken: cancel.Token);
        var events = new List<Event>();
        while (events.Count < 3 && await call.ResponseStream.MoveNext(cancel.Token))
        {
            events.AddRange(call.ResponseStream.Current.Events);
        }
        Assert.Equal(["string", "hash", "list"], events.Select(e => e.ValueType));
        Assert.Equal("s", events[0].Kv.Value.ToStringUtf8());
        Assert.True(events[1].Kv.Value.IsEmpty);
    }

    [Fact]
    public async Task AWatchReplaysHistoryThenFollowsNewChangesInCommitOrder()
    {
        var leader = await _cluster.WaitForLeaderAsync();
        var writer = Client(leader, out var writerChannel);
        using var _ = writerChannel;
        var first = await writer.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("watch/a"), Value = ByteString.CopyFromUtf8("1") });
        await writer.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("unwatched"), Value = ByteString.CopyFromUtf8("x") });
        await writer.DeleteAsync(new DeleteRequest { Key = ByteString.CopyFromUtf8("watch/a") });

        var follower = _cluster.Nodes.First(n => n != leader);
        var watcher = Client(follower, out var watchChannel);
        using var __ = watchChannel;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = watcher.Watch(new WatchRequest { Prefix = ByteString.CopyFromUtf8("watch/"), StartRevision = first.Revision }, cancellationToken: cancel.Token);
        var events = new List<(long Revision, Event.Types.EventType Type, string Key, string Value)>();

        async Task ReadUntilAsync(int count)
        {
            while (events.Count < count && await call.ResponseStream.MoveNext(cancel.Token))
            {
                var response = call.ResponseStream.Current;
                Assert.All(response.Events, e => Assert.Equal(response.Revision, e.Kv.ModRevision));
                events.AddRange(response.Events.Select(e => (response.Revision, e.Type, e.Kv.Key.ToStringUtf8(), e.Kv.Value.ToStringUtf8())));
            }
        }

        await ReadUntilAsync(2);
        Assert.Equal((first.Revision, Event.Types.EventType.Put, "watch/a", "1"), events[0]);
        Assert.Equal(Event.Types.EventType.Delete, events[1].Type);

        // Live changes, one of them a multi-key write: every event of one revision arrives together.
        await writer.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("watch/b"), Value = ByteString.CopyFromUtf8("2") });
        await leader.Db.ExecuteAsync("MSET", "watch/c", "3", "watch/d", "4", "elsewhere", "5");
        await ReadUntilAsync(5);
        Assert.Equal(["watch/a", "watch/a", "watch/b", "watch/c", "watch/d"], events.Select(e => e.Key));
        Assert.Equal(events[3].Revision, events[4].Revision);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision <= p.Second.Revision));
    }

    [Fact]
    public async Task AWatchOlderThanTheKeptHistoryIsRefusedNamingTheOldestRevision()
    {
        var leader = await _cluster.WaitForLeaderAsync();
        var batch = leader.Db.CreateBatch();
        var writes = Enumerable.Range(0, 800).Select(i => batch.StringSetAsync($"fill/{i}", "x")).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
        var client = Client(leader, out var channel);
        using var _ = channel;
        await Poll.UntilAsync(async () => (await leader.TryRaftInfoAsync())?.GetValueOrDefault("snapshots_created") is { } made && made != "0",
            TimeSpan.FromSeconds(30), "a snapshot");

        using var call = client.Watch(new WatchRequest { StartRevision = 1 });
        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OutOfRange, refused.StatusCode);
        Assert.Matches(@"revision 1 is compacted; the oldest revision available is \d+", refused.Status.Detail);
    }
}
