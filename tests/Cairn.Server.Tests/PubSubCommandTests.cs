using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Cairn.Server.Tests;

/// <summary>
/// Pub/sub on a real node: StackExchange.Redis subscribers over RESP2 (a subscription connection of its own) and
/// RESP3 (pushes on the connection that also runs commands) get every message in order; a subscriber that stops
/// reading is closed past <c>client-output-buffer-limit pubsub</c> while the others and the publisher go on; CLIENT
/// LIST, CLIENT KILL TYPE PUBSUB and INFO see subscribers. Frames byte for byte: Cairn.Cluster.Tests' PubSubDifferentialTests.
/// </summary>
public class PubSubCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private ServerProcess Server => fixture.Server;

    [Theory]
    [InlineData("resp2")]
    [InlineData("resp3")]
    public async Task StackExchangeSubscribersGetEveryMessageInOrder(string protocol)
    {
        using var subscriber = Server.Connect(o => o.Protocol = protocol == "resp3" ? RedisProtocol.Resp3 : RedisProtocol.Resp2);
        var (channel, pattern) = ($"se:{protocol}:news", $"se:{protocol}:n*");
        var messages = await subscriber.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel));
        var matched = await subscriber.GetSubscriber().SubscribeAsync(RedisChannel.Pattern(pattern));
        var publisher = Server.Redis.GetSubscriber();
        var db = subscriber.GetDatabase();
        for (var i = 0; i < 200; i++)
        {
            // Two receivers: the channel and the pattern (both on this node).
            Assert.Equal(2, await publisher.PublishAsync(RedisChannel.Literal(channel), $"m{i}"));
            if (i % 50 == 0)
            {
                // Over RESP3 the pushes share the connection with replies.
                await db.StringSetAsync($"se:{protocol}:k", i);
                Assert.Equal(i, (int)await db.StringGetAsync($"se:{protocol}:k"));
            }
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 200; i++)
        {
            var message = await messages.ReadAsync(deadline.Token);
            Assert.Equal($"m{i}", (string?)message.Message);
            var viaPattern = await matched.ReadAsync(deadline.Token);
            Assert.Equal(($"m{i}", channel), ((string?)viaPattern.Message, (string?)viaPattern.Channel));
        }
        Assert.Equal(0, await publisher.PublishAsync(RedisChannel.Literal($"se:{protocol}:other"), "x"));
        await messages.UnsubscribeAsync();
        await matched.UnsubscribeAsync();
        await Poll.UntilAsync(async () => await publisher.PublishAsync(RedisChannel.Literal(channel), "late") == 0, TimeSpan.FromSeconds(10), "the unsubscriptions");
    }

    [Fact]
    public async Task ASubscriberThatStopsReadingIsClosedPastThePubsubLimitAndHoldsUpNobody()
    {
        await using var server = await ServerProcess.StartAsync();
        using var admin = server.Raw();
        Assert.Equal("+OK", admin.Call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 256kb 60"));
        using var stuck = new TcpClient("127.0.0.1", server.Port) { ReceiveBufferSize = 16 * 1024 };
        var stream = stuck.GetStream();
        stream.Write(Encoding.ASCII.GetBytes(RawClient.Encode("CLIENT", "SETNAME", "stuck") + RawClient.Encode("SUBSCRIBE", "flood")));
        using var reader = server.Connect();
        var reading = await reader.GetSubscriber().SubscribeAsync(RedisChannel.Literal("flood"));
        await Poll.UntilAsync(() => Task.FromResult(admin.Call("PUBSUB", "NUMSUB", "flood") == "*[$flood, :2]"), TimeSpan.FromSeconds(10), "both subscribers");

        // 16 MB for each subscriber, sent as fast as the node takes it; the stuck one reads none of it.
        var publisher = server.Redis.GetSubscriber();
        var payload = new string('p', 8 * 1024);
        var replies = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => publisher.PublishAsync(RedisChannel.Literal("flood"), $"{i}:{payload}")));
        Assert.All(replies, r => Assert.InRange(r, 1, 2));
        Assert.Equal(1, replies[^1]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 2000; i++)
        {
            var message = (string)(await reading.ReadAsync(deadline.Token)).Message!;
            Assert.StartsWith($"{i}:", message);
        }
        Assert.DoesNotContain(" name=stuck ", admin.Call("CLIENT", "LIST"));
        await Poll.UntilAsync(() => Task.FromResult(server.Output.Contains("(client-output-buffer-limit pubsub)")), TimeSpan.FromSeconds(10), "the limit's log line");
        // Closed: whatever it reads ends well short of what was published to it.
        stream.ReadTimeout = 10_000;
        var received = 0L;
        var buffer = new byte[1 << 16];
        try
        {
            for (int n; (n = stream.Read(buffer)) > 0;)
            {
                received += n;
            }
        }
        catch (IOException)
        {
            // Reset: the node dropped what it had not sent.
        }
        Assert.InRange(received, 0, 8L << 20);
    }

    [Fact]
    public async Task ClientListClientKillAndInfoSeeSubscribers()
    {
        using var client = Server.Raw();
        client.Call("CLIENT", "SETNAME", "listener");
        Assert.Equal("*[$subscribe, $info:c, :1]", client.Call("SUBSCRIBE", "info:c"));
        Assert.Equal("*[$psubscribe, $info:p*, :2]", client.Call("PSUBSCRIBE", "info:p*"));
        Assert.Equal("*[$ssubscribe, $info:s, :1]", client.Call("SSUBSCRIBE", "info:s"));
        using var admin = Server.Raw();
        var line = admin.Call("CLIENT", "LIST", "TYPE", "PUBSUB").Split('\n').Single(l => l.Contains(" name=listener "));
        Assert.Matches(" flags=P db=0 sub=1 psub=1 ssub=1 ", line);
        Assert.DoesNotContain(" name=listener ", admin.Call("CLIENT", "LIST", "TYPE", "NORMAL"));
        var info = InfoFields.Parse(admin.Call("INFO", "STATS")[1..]);
        Assert.True(int.Parse(info["pubsub_channels"]) >= 1 && int.Parse(info["pubsub_patterns"]) >= 1 && int.Parse(info["pubsubshard_channels"]) >= 1, string.Join(',', info));
        Assert.Equal("*[$info:c, :1]", admin.Call("PUBSUB", "NUMSUB", "info:c"));
        var id = Regex.Match(line, @"^\$?id=(\d+)").Groups[1].Value;
        Assert.Equal(":1", admin.Call("CLIENT", "KILL", "TYPE", "PUBSUB", "ID", id));
        Assert.True(client.IsClosedByServer());
        await Poll.UntilAsync(() => Task.FromResult(admin.Call("PUBSUB", "NUMSUB", "info:c") == "*[$info:c, :0]"), TimeSpan.FromSeconds(10), "the killed subscriber's channels freed");
        Assert.Equal(":0", admin.Call("PUBLISH", "info:c", "x"));
    }
}
