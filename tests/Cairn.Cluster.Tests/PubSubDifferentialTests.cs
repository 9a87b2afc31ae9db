namespace Cairn.Cluster.Tests;

/// <summary>
/// Pub/sub against Debian's redis-server, reply by reply: three connections (two subscribers, one RESP3, and a
/// publisher) run one script; every frame each connection receives — replies, subscribe confirmations, messages —
/// must be Redis's, in Redis's order on that connection. Redis's frames per step are found with a PING after the step
/// on every connection (PING cairn-barrier: Redis is single-threaded: what a step sent is before the PING's reply); Cairn's connections
/// are then read for exactly that many frames per step (a missing message times out, an extra one shows up as a
/// difference), and a last barrier's reply on each must come next. Run on one node and on a 3-node cluster's follower (whose
/// PUBLISHes go through the leader and whose messages come back through its own log).
/// </summary>
public sealed class PubSubDifferentialTests
{
    /// <summary>(connection, command, compared): HELLO's reply names the server's version and the client id.</summary>
    private static readonly (int Conn, string[] Command, bool Compared)[] Script =
    [
        S(0, "SUBSCRIBE", "news", "sport"), S(0, "PSUBSCRIBE", "n*"), S(0, "GET", "k"), S(0, "PING"), S(0, "PING", "x"),
        S(0, "PING", "a", "b"), S(0, "SET", "k", "v"), S(0, "CLIENT", "ID"), S(0, "SUBSCRIBE"), S(0, "RESET", "x"),
        S(2, "PUBLISH", "news", "hello"), S(2, "PUBLISH", "sport", ""), S(2, "PUBLISH", "nothing", "x"), S(2, "PUBLISH", "other", "x"),
        (1, ["HELLO", "3"], false), S(1, "SUBSCRIBE", "news"), S(1, "GET", "k"), S(1, "PING"), S(1, "PSUBSCRIBE", "s?o*"),
        S(2, "PUBLISH", "news", "two"), S(2, "PUBLISH", "sport", "three"),
        S(2, "SPUBLISH", "s1", "x"), S(1, "SSUBSCRIBE", "s1", "s2"), S(0, "SSUBSCRIBE", "s1"), S(2, "SPUBLISH", "s1", "y"),
        S(2, "SPUBLISH", "s2", "z"), S(2, "PUBLISH", "s1", "not sharded"),
        S(2, "PUBSUB", "NUMSUB", "news", "sport", "nosuch"), S(2, "PUBSUB", "NUMSUB"), S(2, "PUBSUB", "NUMPAT"),
        S(2, "PUBSUB", "CHANNELS", "n*"), S(2, "PUBSUB", "CHANNELS", "x*"), S(2, "PUBSUB", "SHARDCHANNELS", "*1"),
        S(2, "PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3"), S(2, "PUBSUB", "SHARDNUMSUB"),
        S(0, "UNSUBSCRIBE", "sport", "nosuch"), S(2, "PUBLISH", "sport", "gone"), S(0, "PUNSUBSCRIBE"), S(0, "PUNSUBSCRIBE"),
        S(0, "UNSUBSCRIBE"), S(0, "GET", "k"), S(0, "SUNSUBSCRIBE"), S(0, "GET", "k"), S(0, "UNSUBSCRIBE"), S(0, "SUNSUBSCRIBE", "s9"),
        S(0, "PING"), S(2, "PUBLISH", "news", "bye"), S(2, "SPUBLISH", "s1", "bye"),
        S(1, "SUNSUBSCRIBE", "s2"), S(1, "PUNSUBSCRIBE", "nosuch"), S(1, "RESET"), S(1, "GET", "k"), S(2, "PUBLISH", "news", "after reset"),
        S(0, "PSUBSCRIBE", "h[ae]llo"), S(1, "PSUBSCRIBE", "h?llo", "x\\*y"), S(2, "PUBLISH", "hello", "1"), S(2, "PUBLISH", "hallo", "2"),
        S(2, "PUBLISH", "hxllo", "3"), S(2, "PUBLISH", "x*y", "4"), S(2, "PUBLISH", "xay", "5"), S(2, "PUBSUB", "NUMPAT"),
        S(0, "SUBSCRIBE", ""), S(2, "PUBLISH", "", ""), S(2, "PUBSUB", "NUMSUB", ""),
        S(2, "PUBLISH", "a"), S(2, "PUBLISH", "a", "b", "c"), S(2, "SPUBLISH", "a"), S(2, "PUBSUB"), S(2, "PUBSUB", "FOO"),
        S(2, "PUBSUB", "CHANNELS", "a", "b"), S(2, "PUBSUB", "SHARDCHANNELS", "a", "b"), S(2, "PUBSUB", "NUMPAT", "x"),
        S(2, "SUBSCRIBE"), S(2, "SSUBSCRIBE"), S(2, "PSUBSCRIBE"), S(2, "PUBSUB", "HELP"), S(2, "UNSUBSCRIBE"), S(2, "PUNSUBSCRIBE", "x"),
        S(0, "QUIT"),
    ];

    private static (int, string[], bool) S(int conn, params string[] command) => (conn, command, true);

    [Fact]
    public async Task EveryFrameIsRedissOnOneNodeAndOnAFollower()
    {
        using var redis = RedisServer.Start();
        var expected = RunRedis(redis.Port);
        await using (var single = await LocalCluster.StartAsync(1))
        {
            var node = await single.WaitForLeaderAsync();
            Compare(expected, node.Port, "one node");
        }
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        Compare(expected, cluster.Nodes.First(n => n != leader).Port, "follower");
    }

    /// <summary>Each step's frames on each connection, found with a PING barrier after the step.</summary>
    private static List<string>[][] RunRedis(int port)
    {
        var clients = Connect(port);
        var frames = new List<string>[Script.Length][];
        for (var step = 0; step < Script.Length; step++)
        {
            var (conn, command, _) = Script[step];
            clients[conn]!.Send(RawClient.Encode(command));
            frames[step] = new List<string>[clients.Length];
            for (var i = 0; i < clients.Length; i++)
            {
                frames[step][i] = [];
                if (clients[i] is not { } client || (i == conn && command[0] == "QUIT"))
                {
                    continue;
                }
                client.Send(RawClient.Encode("PING", Barrier));
                while (true)
                {
                    var frame = client.ReadReply();
                    if (IsBarrier(frame))
                    {
                        break;
                    }
                    frames[step][i].Add(frame);
                }
            }
            if (command[0] == "QUIT")
            {
                frames[step][conn].Add(clients[conn]!.ReadReply());
                clients[conn]!.Dispose();
                clients[conn] = null;
            }
        }
        Dispose(clients);
        return frames;
    }

    private static void Compare(List<string>[][] expected, int port, string where)
    {
        var clients = Connect(port);
        var differences = new List<string>();
        for (var step = 0; step < Script.Length; step++)
        {
            var (conn, command, compared) = Script[step];
            clients[conn]!.Send(RawClient.Encode(command));
            for (var i = 0; i < clients.Length; i++)
            {
                if (clients[i] is not { } client)
                {
                    continue;
                }
                foreach (var frame in expected[step][i])
                {
                    string got;
                    try
                    {
                        got = client.ReadReply();
                    }
                    catch (IOException ex)
                    {
                        Assert.Fail($"{where}: step {step} ({string.Join(' ', command)}): connection {i} waited for {frame}: {ex.Message}\n{string.Join('\n', differences)}");
                        throw;
                    }
                    if (compared && got != frame)
                    {
                        differences.Add($"step {step} ({string.Join(' ', command)}), connection {i}\n  redis: {frame}\n  cairn: {got}");
                    }
                }
            }
            if (command[0] == "QUIT")
            {
                clients[conn]!.Dispose();
                clients[conn] = null;
            }
        }
        foreach (var client in clients.OfType<RawClient>())
        {
            // Nothing more than Redis sent: the PING's reply is the next frame.
            var next = client.Call("PING", Barrier);
            if (!IsBarrier(next))
            {
                differences.Add($"after the script: an extra frame {next}");
            }
        }
        Dispose(clients);
        Assert.True(differences.Count == 0, $"{where}: {differences.Count} frames differ from Redis's:\n{string.Join('\n', differences)}");
    }

    private const string Barrier = "cairn-barrier";

    /// <summary>PING's reply to the barrier: a bulk string, or in RESP2's subscribed mode ["pong", it].</summary>
    private static bool IsBarrier(string frame) => frame is "$" + Barrier or "*[$pong, $" + Barrier + "]";

    private static RawClient?[] Connect(int port) => [new RawClient(port), new RawClient(port), new RawClient(port)];

    private static void Dispose(RawClient?[] clients)
    {
        foreach (var client in clients)
        {
            client?.Dispose();
        }
    }
}
