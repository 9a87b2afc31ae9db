using Cairn.Api.V1;
using Google.Protobuf;

namespace Cairn.Api.Tests;

/// <summary>A gRPC watch served by a follower while the leader is killed and another is elected.</summary>
public sealed class WatchFailoverTests : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AWatchOnAFollowerKeepsStreamingThroughALeaderChange()
    {
        var leader = await _cluster.WaitForLeaderAsync();
        var follower = _cluster.Nodes.First(n => n != leader);
        var client = GrpcTests.Client(follower, out var channel);
        using var _ = channel;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var call = client.Watch(new WatchRequest { Prefix = ByteString.CopyFromUtf8("failover/") }, cancellationToken: cancel.Token);
        var events = new List<(long Revision, string Key)>();

        async Task ReadUntilAsync(string key)
        {
            while (!events.Any(e => e.Key == key) && await call.ResponseStream.MoveNext(cancel.Token))
            {
                events.AddRange(call.ResponseStream.Current.Events.Select(e => (e.Kv.ModRevision, e.Kv.Key.ToStringUtf8())));
            }
        }

        async Task WriteAsync(string key) =>
            // Through the follower's RESP port (forwarded to whoever leads); retried while there is no leader.
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    return await follower.Db.StringSetAsync(key, "v");
                }
                catch (StackExchange.Redis.RedisException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), $"a write of {key}");

        // Writes only after the watch has started ("created"), so "from now" includes them.
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        Assert.True(call.ResponseStream.Current.Created);
        await WriteAsync("failover/before");
        await ReadUntilAsync("failover/before");

        leader.Kill();
        var next = await _cluster.WaitForLeaderAsync(except: leader);
        Assert.NotEqual(leader, next);
        for (var i = 0; i < 5; i++)
        {
            await WriteAsync($"failover/after-{i}");
        }
        await ReadUntilAsync("failover/after-4");

        var firstSeen = events.Select(e => e.Key).Distinct().ToList();
        Assert.Equal(["failover/before", .. Enumerable.Range(0, 5).Select(i => $"failover/after-{i}")], firstSeen);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision < p.Second.Revision), "revisions strictly increase");
    }
}
