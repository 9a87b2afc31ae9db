namespace Cairn.Cluster.Tests;

/// <summary>
/// The same script of commands against Debian's redis-server and a 3-node Cairn cluster: every reply
/// must be Redis's, byte for byte, sent one at a time and as one pipeline, on the leader and on a
/// follower (which forwards the writes). The script sticks to what is deterministic on both: no TTL
/// values that depend on the clock, no key orders (KEYS, SCAN, RANDOMKEY list keys in hash order).
/// </summary>
public sealed class RedisDifferentialTests
{
    private static readonly string[][] Script =
    [
        ["FLUSHALL"],
        ["SET", "k", "v"], ["SET", "k", "v", "NX"], ["SET", "k", "v2", "XX", "GET"],
        ["SET", "k", "v3", "EX", "0"], ["SET", "k", "v3", "EX", "-1"], ["SET", "k", "v3", "PX", "9223372036854775807"],
        ["SET", "k", "v3", "EX", "10", "PX", "10"], ["SET", "k", "v3", "KEEPTTL", "EX", "10"], ["SET", "k", "v3", "NX", "XX"],
        ["SET", "k", "v3", "GET", "NX"], ["GET", "k"],
        ["GETEX", "k", "PERSIST", "EX", "10"], ["GETEX", "k", "EX", "abc"], ["GETEX", "k"], ["GETEX", "nosuch", "EX", "10"],
        ["GETDEL", "k"], ["GETDEL", "k"], ["GETEX", "k"],
        ["SETNX", "a", "1"], ["SETNX", "a", "2"], ["INCR", "a"], ["INCRBY", "a", "9223372036854775800"], ["INCRBY", "a", "100"],
        ["DECRBY", "a", "-9223372036854775808"], ["INCR", "fresh"], ["DECR", "fresh"], ["DECR", "fresh"],
        ["SET", "f", "1.5"], ["INCRBYFLOAT", "f", "0.1"], ["INCRBYFLOAT", "f", "abc"], ["INCR", "f"], ["GET", "f"],
        ["SET", "h", "0x10"], ["INCRBYFLOAT", "h", "0x1.8p1"], ["INCRBYFLOAT", "h", "0x1p"], ["INCRBYFLOAT", "h", " 1"], ["GET", "h"],
        ["SET", "s", "hello"], ["APPEND", "s", " world"], ["STRLEN", "s"], ["GETRANGE", "s", "0", "-1"],
        ["GETRANGE", "s", "-3", "-1"], ["GETRANGE", "s", "5", "2"], ["GETRANGE", "s", "100", "200"], ["GETRANGE", "s", "x", "1"],
        ["SETRANGE", "s", "6", "Redis"], ["SETRANGE", "s", "20", "x"], ["GET", "s"], ["SETRANGE", "s", "-1", "x"],
        ["SETRANGE", "empty", "0", ""], ["EXISTS", "empty"], ["APPEND", "new", "x"], ["GETSET", "new", "y"], ["GET", "new"],
        ["MSET", "a", "1", "b", "2", "c", "3"], ["MSET", "a", "1", "b"], ["MGET", "a", "b", "c", "nosuch"],
        ["MSETNX", "a", "1", "z", "2"], ["MSETNX", "y", "1", "z", "2"], ["EXISTS", "a", "b", "nosuch", "a"],
        ["DEL", "a", "b", "nosuch"], ["UNLINK", "nosuch"], ["TYPE", "c"], ["TYPE", "nosuch"], ["TOUCH", "c", "nosuch"],
        ["TTL", "c"], ["PTTL", "nosuch"], ["EXPIRETIME", "c"], ["PEXPIRETIME", "nosuch"],
        ["EXPIRE", "c", "100"], ["EXPIRE", "c", "100", "NX"], ["EXPIRE", "c", "200", "XX"], ["EXPIRE", "c", "50", "GT"],
        ["EXPIRE", "c", "50", "LT"], ["EXPIRE", "c", "10", "NX", "XX"], ["EXPIRE", "c", "abc"], ["EXPIRE", "nosuch", "10"],
        ["PERSIST", "c"], ["PERSIST", "c"], ["TTL", "c"], ["EXPIREAT", "c", "1"], ["EXISTS", "c"],
        ["PEXPIREAT", "y", "1"], ["GET", "y"], ["SETEX", "t", "0", "v"], ["SETEX", "t", "abc", "v"], ["PSETEX", "t", "-5", "v"],
        ["RENAME", "s", "s2"], ["RENAME", "nosuch", "x"], ["RENAMENX", "s2", "r"], ["RENAMENX", "s2", "r"], ["SET", "s2", "a"],
        ["RENAMENX", "s2", "r"], ["GET", "r"], ["DBSIZE"],
        ["ECHO", "hi"], ["PING"], ["PING", "hello"], ["PING", "a", "b"], ["SELECT", "0"], ["SELECT", "abc"],
        ["GET"], ["GET", "a", "b"], ["SET"], ["INCR", "a", "b"], ["NOSUCHCOMMAND", "a", "b"], ["Set", "K", "V"], ["GET", "K"],
        ["SCAN", "abc"], ["COMMAND", "INFO", "nosuch"], ["COMMAND", "COUNT", "x"], ["CLIENT", "SETNAME", "bad name"],
        ["CLIENT", "SETNAME", "differential"], ["CLIENT", "GETNAME"], ["CLIENT", "NOSUCH"], ["CONFIG", "GET", "nosuch"],
        ["CLIENT", "KILL", "TYPE", "foo"], ["CLIENT", "KILL", "USER", "nosuch"], ["CLIENT", "KILL", "SKIPME", "maybe"],
        ["CLIENT", "KILL", "TYPE", "pubsub"], ["CLIENT", "KILL", "ID", "abc"], ["CLIENT", "KILL", "1.2.3.4:5"],
        ["ECHO"], ["HELLO", "4"], ["HELLO", "abc"], ["TYPE"], ["MSET", "a"], ["EXPIRE", "a", "10", "GT", "LT"],
        ["SET", "a", "1", "PX", "0"], ["SET", "a", "1", "PXAT", "0"], ["SET", "a", "1", "EXAT", "1"], ["GET", "a"],
        ["SET", "b", "1", "EX", "9223372036854775"], ["GETEX", "b", "EXAT", "1"], ["GET", "b"],
        ["FLUSHDB", "foo"], ["FLUSHDB", "ASYNC"], ["DBSIZE"],
        // Found by the differential fuzzer: SCAN reads its cursor as strtoul does; GETEX checks its value after the key.
        ["SCAN", "-1", "COUNT", "0"], ["SCAN", "-9223372036854775808", "COUNT", "1.5"], ["SCAN", "-1", "MATCH"], ["SCAN", " 1"],
        ["SCAN", "-"], ["SCAN", "+"], ["SCAN", "18446744073709551616"], ["SCAN", "", "COUNT", "x"],
        ["GETEX", "nosuch", "PXAT", "0"], ["GETEX", "nosuch", "EX", "abc"], ["GETEX", "nosuch", "EX", "9223372036854776"],
        ["SET", "gx", "v"], ["GETEX", "gx", "PXAT", "-1"], ["GETEX", "gx", "EX", "abc"], ["GETEX", "gx", "EX", "9223372036854776"],
        ["GETEX", "gx", "PERSIST", "EX", "abc"], ["GET", "gx"],
        // Redis 7.0 stores a SET whose EXAT/PXAT is past and lets it expire (DBSIZE counts it until then, in both).
        ["SET", "gone", "1", "PXAT", "1"], ["GET", "gone"], ["EXISTS", "gone"], ["SET", "gx", "w", "EXAT", "1", "GET"], ["GET", "gx"],
        // Issue 21: blocking pops served at once, timing out, refused (waits between clients: BlockingClusterTests).
        ["RPUSH", "bq", "a", "b", "c", "d", "e", "f"], ["BLPOP", "bq", "0"], ["BRPOP", "bq", "0"], ["BLPOP", "nosuch", "bq", "0"],
        ["BLPOP", "nosuch", "0.01"], ["BLPOP", "bq"], ["BLPOP", "bq", "-1"], ["BLPOP", "bq", "abc"], ["BLPOP", "bq", "1e400"],
        ["BLPOP", "bq", "nan"], ["BLPOP", "bq", " 1"], ["SET", "bs", "x"], ["BLPOP", "bs", "0"], ["BLPOP", "nosuch", "bs", "0"],
        ["BLMOVE", "bq", "bdst", "LEFT", "RIGHT", "0"], ["BLMOVE", "bq", "bdst", "UP", "RIGHT", "0"], ["BLMOVE", "bq", "bdst", "LEFT", "RIGHT", "-1"],
        ["BLMOVE", "nosuch", "bdst", "LEFT", "RIGHT", "0.01"], ["BRPOPLPUSH", "nosuch", "bdst", "0.01"], ["BRPOPLPUSH", "bq", "bdst", "0"],
        ["RPUSH", "bq2", "x"], ["BLMOVE", "bq2", "bs", "LEFT", "RIGHT", "0"], ["LRANGE", "bq2", "0", "-1"], ["LRANGE", "bdst", "0", "-1"],
        ["BLMPOP", "0", "2", "nosuch", "bdst", "LEFT", "COUNT", "5"], ["BLMPOP", "0.01", "1", "nosuch", "LEFT"], ["BLMPOP", "0", "0", "bq", "LEFT"],
        ["BLMPOP", "-1", "1", "bq", "LEFT"], ["BLMPOP", "0", "1", "bq", "UP"], ["BLMPOP", "0", "1", "bq", "LEFT", "COUNT", "0"],
        ["BLMPOP", "x", "1", "bq", "LEFT"], ["BLMPOP", "0", "5", "bq", "LEFT"],
        ["ZADD", "bz", "1", "a", "2.5", "b", "3", "c"], ["BZPOPMIN", "bz", "0"], ["BZPOPMAX", "bz", "0"], ["BZMPOP", "0", "1", "bz", "MIN", "COUNT", "9"],
        ["BZPOPMIN", "bz", "0.01"], ["BZMPOP", "0.01", "1", "bz", "MAX"], ["BZPOPMIN", "bs", "0"], ["BZMPOP", "0", "1", "bz", "FOO"],
        ["BZPOPMIN", "bq", "0"], ["BLPOP", "bz", "0.01"], ["CLIENT", "UNBLOCK", "999999"], ["CLIENT", "UNBLOCK", "abc"],
        ["CLIENT", "UNBLOCK", "1", "FOO"], ["CLIENT", "UNBLOCK", "1", "TIMEOUT", "x"], ["CLIENT", "UNBLOCK"],
    ];

    [Fact]
    public async Task EveryReplyIsRedissOneAtATimeAndPipelinedOnLeaderAndFollower()
    {
        using var redis = RedisServer.Start();
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);

        var expected = OneAtATime(redis.Port);
        Assert.Equal(expected, Pipelined(redis.Port)); // the script itself is deterministic
        Compare(expected, OneAtATime(leader.Port), "one at a time, leader");
        Compare(expected, Pipelined(leader.Port), "pipelined, leader");
        Compare(expected, Pipelined(follower.Port), "pipelined, follower");
    }

    private static List<string> OneAtATime(int port)
    {
        using var client = new RawClient(port);
        return Script.Select(command => client.Call(command)).ToList();
    }

    private static List<string> Pipelined(int port)
    {
        using var client = new RawClient(port);
        client.Send(string.Concat(Script.Select(command => RawClient.Encode(command))));
        return Script.Select(_ => client.ReadReply()).ToList();
    }

    private static void Compare(List<string> redis, List<string> cairn, string how)
    {
        var differences = Enumerable.Range(0, Script.Length).Where(i => redis[i] != cairn[i])
            .Select(i => $"{string.Join(' ', Script[i])}\n  redis: {redis[i]}\n  cairn: {cairn[i]}").ToList();
        Assert.True(differences.Count == 0, $"{how}: {differences.Count} replies differ from Redis's:\n{string.Join('\n', differences)}");
    }
}
