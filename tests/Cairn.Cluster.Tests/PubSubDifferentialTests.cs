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

    /// <summary>
    /// Keyspace notifications: connection 0 listens to every event, connection 1 sets the classes, connection 2 writes
    /// (SPOP's members are random: only that it answered is compared); each write's events in
    /// Redis's order, under the classes set (CONFIG SET on the node that holds the listener: a node's own setting).
    /// Expiry by time is not here (when it happens is each server's): see PubSubCommandTests.
    /// </summary>
    private static readonly (int Conn, string[] Command, bool Compared)[] KeyspaceScript =
    [
        S(1, "CONFIG", "SET", "notify-keyspace-events", "KEA"), S(1, "CONFIG", "GET", "notify-keyspace-events"), S(0, "PSUBSCRIBE", "__key*__:*"),
        S(2, "SET", "s", "1"), S(2, "SET", "s", "2", "EX", "100"), S(2, "SET", "s", "2", "KEEPTTL"), S(2, "SETNX", "s", "3"), S(2, "SETNX", "s2", "x"),
        S(2, "GETSET", "s", "5"), S(2, "SET", "s", "6", "NX"), S(2, "MSET", "a", "1", "b", "2"), S(2, "MSETNX", "a", "1", "c", "3"),
        S(2, "MSETNX", "c", "1", "d", "2"), S(2, "APPEND", "s", "x"), S(2, "APPEND", "newap", "x"), S(2, "SETRANGE", "s", "0", "y"),
        S(2, "SETRANGE", "sr", "0", ""), S(2, "SETRANGE", "s", "0", ""), S(2, "INCR", "i"), S(2, "INCRBY", "i", "5"), S(2, "DECR", "i"),
        S(2, "INCRBYFLOAT", "f", "1.5"), S(2, "GETDEL", "a"), S(2, "GETDEL", "nosuch"), S(2, "GETEX", "b", "EX", "100"),
        S(2, "GETEX", "b", "PERSIST"), S(2, "GETEX", "b", "PERSIST"), S(2, "GETEX", "b"), S(2, "GETEX", "b", "PXAT", "1"),
        S(2, "EXPIRE", "c", "100"), S(2, "EXPIRE", "c", "100", "NX"), S(2, "PERSIST", "c"), S(2, "PERSIST", "c"), S(2, "EXPIRE", "c", "0"),
        S(2, "DEL", "d", "nosuch", "s2"), S(2, "RENAME", "s", "s3"), S(2, "RENAMENX", "s3", "i"), S(2, "RENAME", "s3", "s3"),
        S(2, "COPY", "i", "icopy"), S(2, "COPY", "i", "icopy"), S(2, "COPY", "i", "icopy", "REPLACE"), S(2, "LPUSH", "s3", "x"),
        S(2, "HSET", "h", "f", "v", "g", "w"), S(2, "HSET", "h", "f", "v"), S(2, "HSETNX", "h", "f", "x"), S(2, "HSETNX", "h", "z", "y"),
        S(2, "HINCRBY", "h", "n", "1"), S(2, "HINCRBYFLOAT", "h", "m", "1.5"), S(2, "HDEL", "h", "nosuch"), S(2, "HDEL", "h", "f", "g", "z", "n", "m"),
        S(2, "LPUSH", "l", "a", "b"), S(2, "RPUSH", "l", "c"), S(2, "LPUSHX", "nol", "a"), S(2, "RPUSHX", "l", "d"), S(2, "LSET", "l", "0", "x"),
        S(2, "LINSERT", "l", "BEFORE", "x", "y"), S(2, "LINSERT", "l", "BEFORE", "nosuch", "z"), S(2, "LREM", "l", "0", "nosuch"),
        S(2, "LREM", "l", "1", "y"), S(2, "LTRIM", "l", "0", "-1"), S(2, "LTRIM", "nol", "0", "1"), S(2, "LTRIM", "l", "0", "2"), S(2, "LPOP", "l"),
        S(2, "RPOP", "l", "0"), S(2, "RPUSH", "l2", "q"), S(2, "LMOVE", "l", "l2", "LEFT", "RIGHT"), S(2, "RPOPLPUSH", "l2", "l2"),
        S(2, "LMOVE", "l", "l3", "RIGHT", "LEFT"), S(2, "LMPOP", "2", "nol", "l2", "LEFT", "COUNT", "5"), S(2, "LPOP", "l3"),
        S(2, "SADD", "st", "a", "b"), S(2, "SADD", "st", "a"), S(2, "SREM", "st", "nosuch"), S(2, "SREM", "st", "a"), S(2, "SMOVE", "st", "st2", "b"),
        S(2, "SMOVE", "st2", "st2", "b"), S(2, "SADD", "st3", "x", "y"), S(2, "SINTERSTORE", "dst", "st2", "st3"), S(2, "SUNIONSTORE", "dst", "st2", "st3"),
        S(2, "SDIFFSTORE", "dst", "nosuch"), (2, ["SPOP", "st3"], false), (2, ["SPOP", "st3", "5"], false), S(2, "SPOP", "st3"),
        S(2, "ZADD", "z", "1", "a", "2", "b"), S(2, "ZADD", "z", "1", "a"), S(2, "ZADD", "z", "XX", "5", "a"), S(2, "ZINCRBY", "z", "1", "a"),
        S(2, "ZADD", "z", "INCR", "1", "b"), S(2, "ZREM", "z", "nosuch"), S(2, "ZREM", "z", "a"), S(2, "ZADD", "z", "3", "c", "4", "d"),
        S(2, "ZREMRANGEBYSCORE", "z", "100", "200"), S(2, "ZREMRANGEBYSCORE", "z", "3", "3"), S(2, "ZREMRANGEBYRANK", "z", "0", "0"),
        S(2, "ZADD", "z", "0", "x", "0", "y"), S(2, "ZREMRANGEBYLEX", "z", "[x", "[x"), S(2, "ZPOPMIN", "z"), S(2, "ZPOPMAX", "z", "10"),
        S(2, "ZADD", "z1", "1", "a", "2", "b"), S(2, "ZRANGESTORE", "z2", "z1", "0", "-1"), S(2, "ZRANGESTORE", "z2", "z1", "5", "6"),
        S(2, "ZUNIONSTORE", "z3", "1", "z1"), S(2, "ZINTERSTORE", "z3", "2", "z1", "nosuch"), S(2, "ZDIFFSTORE", "z4", "1", "z1"),
        S(2, "ZMPOP", "1", "z1", "MIN"), S(2, "ZMPOP", "1", "z1", "MAX", "COUNT", "3"),
        S(2, "SETBIT", "bt", "3", "1"), S(2, "SETBIT", "bt", "3", "1"), S(2, "BITOP", "OR", "bo", "bt"), S(2, "BITOP", "AND", "bo", "nosuch"),
        S(2, "BITFIELD", "bf", "SET", "u8", "0", "1"), S(2, "BITFIELD", "bf", "GET", "u8", "0"), S(2, "BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"),
        S(1, "CONFIG", "SET", "notify-keyspace-events", "KEAn"), S(1, "CONFIG", "GET", "notify-keyspace-events"), S(2, "SET", "newkey", "1"),
        S(2, "LPUSH", "newl", "a"), S(2, "SET", "newkey", "2"), S(2, "HSET", "newh", "a", "b"), S(2, "SADD", "news", "a"), S(2, "ZADD", "newz", "1", "a"),
        S(2, "RENAME", "newkey", "newkey2"), S(2, "SET", "newkey3", "1", "EX", "100"),
        S(1, "CONFIG", "SET", "notify-keyspace-events", "Kl"), S(1, "CONFIG", "GET", "notify-keyspace-events"), S(2, "LPUSH", "newl", "b"), S(2, "SET", "x", "1"),
        S(1, "CONFIG", "SET", "notify-keyspace-events", "Eg"), S(2, "DEL", "newl"), S(2, "EXPIRE", "x", "100"), S(2, "SET", "x", "2"),
        S(1, "CONFIG", "SET", "notify-keyspace-events", "A"), S(2, "SET", "x", "3"), S(1, "CONFIG", "SET", "notify-keyspace-events", "KEQ"),
        S(1, "CONFIG", "GET", "notify-keyspace-events"), S(1, "CONFIG", "SET", "notify-keyspace-events", "KE$"), S(2, "SET", "x", "4"), S(2, "DEL", "x"),
        S(1, "CONFIG", "SET", "notify-keyspace-events", ""), S(2, "SET", "x", "5"), S(2, "FLUSHALL"),
    ];

    private static (int, string[], bool) S(int conn, params string[] command) => (conn, command, true);

    public static TheoryData<string> Scripts => new() { "pubsub", "keyspace" };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task EveryFrameIsRedissOnOneNodeAndOnAFollower(string name)
    {
        var script = name == "pubsub" ? Script : KeyspaceScript;
        using var redis = RedisServer.Start();
        var expected = RunRedis(redis.Port, script);
        await using (var single = await LocalCluster.StartAsync(1))
        {
            var node = await single.WaitForLeaderAsync();
            Compare(script, expected, node.Port, "one node");
        }
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        Compare(script, expected, cluster.Nodes.First(n => n != leader).Port, "follower");
    }

    /// <summary>Each step's frames on each connection, found with a PING barrier after the step.</summary>
    private static List<string>[][] RunRedis(int port, (int Conn, string[] Command, bool Compared)[] script)
    {
        var clients = Connect(port);
        var frames = new List<string>[script.Length][];
        for (var step = 0; step < script.Length; step++)
        {
            var (conn, command, _) = script[step];
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

    private static void Compare((int Conn, string[] Command, bool Compared)[] script, List<string>[][] expected, int port, string where)
    {
        var clients = Connect(port);
        var differences = new List<string>();
        for (var step = 0; step < script.Length; step++)
        {
            var (conn, command, compared) = script[step];
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
