using System.Net.Sockets;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>
/// A seeded RESP fuzzer against a real node: valid commands with hostile arguments (extreme numbers, huge offsets,
/// wrong arity), mutated frames (flipped, cut and doubled bytes), huge and negative lengths, nesting, binary
/// garbage and inline oddities, sent whole or in random pieces. After every connection the node must answer a
/// PING on a fresh one, and at the end its log must hold no fatal error and no unhandled exception. CI runs a short
/// seeded run; <c>CAIRN_FUZZ_FRAMES</c> (frames per seed) and <c>CAIRN_FUZZ_SEED</c> (one seed, to replay a
/// failure) make it longer or exact.
/// </summary>
public sealed class RespFuzzTests
{
    private static readonly string[] Commands =
    [
        "GET", "SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "MGET", "MSET", "MSETNX", "APPEND", "STRLEN",
        "GETRANGE", "SETRANGE", "INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT", "DEL", "UNLINK", "EXISTS", "TOUCH", "TYPE",
        "KEYS", "SCAN", "RANDOMKEY", "RENAME", "RENAMENX", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "TTL", "PTTL",
        "EXPIRETIME", "PEXPIRETIME", "PERSIST", "DBSIZE", "FLUSHALL", "FLUSHDB", "ECHO", "PING", "TIME", "INFO", "HELLO",
        "SELECT", "COMMAND", "RAFT.INFO", "NOSUCHCOMMAND",
        // Issue 20: the data types, bit operations and keys over every type.
        "HSET", "HSETNX", "HMSET", "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HDEL", "HSTRLEN", "HINCRBY",
        "HINCRBYFLOAT", "HRANDFIELD", "HSCAN", "SADD", "SREM", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP",
        "SRANDMEMBER", "SMOVE", "SINTER", "SINTERCARD", "SINTERSTORE", "SUNION", "SUNIONSTORE", "SDIFF", "SDIFFSTORE", "SSCAN",
        "ZADD", "ZINCRBY", "ZREM", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZRANGE",
        "ZRANGESTORE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREVRANGE", "ZREMRANGEBYRANK",
        "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "ZMPOP", "ZRANDMEMBER", "ZUNION", "ZUNIONSTORE", "ZINTER",
        "ZINTERSTORE", "ZINTERCARD", "ZDIFF", "ZDIFFSTORE", "ZSCAN", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP",
        "LLEN", "LRANGE", "LINDEX", "LSET", "LINSERT", "LREM", "LTRIM", "LPOS", "RPOPLPUSH", "LMOVE", "LMPOP", "SETBIT",
        "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD", "BITFIELD_RO", "COPY", "OBJECT",
        // Issue 21: pub/sub (a connection may stay subscribed, get messages, RESET or be refused commands).
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "PUBLISH", "SPUBLISH",
        "PUBSUB", "RESET", "PUBLISH", "SUBSCRIBE",
    ];

    private static readonly string[] Words =
    [
        "k", "k1", "key:{x}", "", "0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "536870911", "536870912", "4294967296", "1.5", "inf", "-inf", "nan", "0x10", "1e400", "EX", "PX", "EXAT", "PXAT",
        "NX", "XX", "GT", "LT", "GET", "KEEPTTL", "PERSIST", "MATCH", "COUNT", "TYPE", "*", "[a-", "\\", "string", "3",
        "LEFT", "RIGHT", "BEFORE", "AFTER", "RANK", "MAXLEN", "MIN", "MAX", "WITHSCORES", "WITHVALUES", "BYSCORE", "BYLEX",
        "REV", "LIMIT", "WEIGHTS", "AGGREGATE", "SUM", "(1", "[a", "+", "-", "i8", "u63", "i64", "#3", "OVERFLOW", "SAT",
        "FAIL", "INCRBY", "AND", "NOT", "XOR", "BIT", "BYTE", "REPLACE", "DB", "ENCODING", "REFCOUNT", "2",
        "CHANNELS", "NUMSUB", "NUMPAT", "SHARDCHANNELS", "SHARDNUMSUB", "HELP", "k*", "?", "[",
    ];

    public static TheoryData<int> Seeds => Environment.GetEnvironmentVariable("CAIRN_FUZZ_SEED") is { } seed
        ? new TheoryData<int> { int.Parse(seed) }
        : new TheoryData<int> { 1, 2, 3 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task HostileFramesNeverStopTheNode(int seed)
    {
        var frames = int.TryParse(Environment.GetEnvironmentVariable("CAIRN_FUZZ_FRAMES"), out var n) ? n : 1500;
        await using var server = await ServerProcess.StartAsync();
        var random = new Random(seed);
        var sent = 0;
        for (var connection = 0; sent < frames; connection++)
        {
            var batch = new List<byte[]>();
            for (var i = random.Next(1, 40); i > 0 && sent < frames; i--, sent++)
            {
                batch.Add(Frame(random));
            }
            await SendAndDrainAsync(server.Port, batch, random);
            Assert.True(await PingsAsync(server.Port), $"seed {seed}: no PONG after connection {connection} ({sent} frames); last frames:\n{Show(batch)}");
        }
        Assert.False(server.Process.HasExited, $"seed {seed}: the node exited:\n{server.Output}");
        Assert.DoesNotContain("Unhandled exception", server.Output);
        Assert.DoesNotContain("cannot go on", server.Output);
        Assert.DoesNotContain("internal error", server.Output);
    }

    private static byte[] Frame(Random random) => random.Next(10) switch
    {
        < 5 => Command(random),
        5 => Mutate(Command(random), random),
        6 => Encoding.ASCII.GetBytes(random.Next(6) switch
        {
            0 => $"*{Pick(random, "2147483648", "-1", "-2147483649", "99999999999999999999", "1x", "")}\r\n",
            1 => $"*1\r\n${Pick(random, "-5", "536870913", "99999999999", "2147483647", "x", "")}\r\n",
            2 => string.Concat(Enumerable.Repeat("*1\r\n", random.Next(1, 2000))) + "$4\r\nPING\r\n",
            3 => "*2\r\n$3\r\nGET\r\n" + Pick(random, ":1\r\n", "+k\r\n", "*1\r\n$1\r\nk\r\n", "$1\r\nk\r\r"),
            4 => Pick(random, "GET \"k\r\n", "SET 'a b\r\n", "\"unbalanced\r\n", "  \r\n", "\r\n", "SET k \"\\x4\"\r\n", "ECHO \"\\xzz\"\r\n"),
            _ => new string('x', random.Next(60_000, 70_000)),
        }),
        7 => RandomBytes(random, random.Next(1, 512)),
        8 => Command(random, huge: true),
        _ => Encoding.ASCII.GetBytes($"{Commands[random.Next(Commands.Length)]} {string.Join(' ', Enumerable.Range(0, random.Next(4)).Select(_ => Words[random.Next(Words.Length)]))}\r\n"),
    };

    private static byte[] Command(Random random, bool huge = false)
    {
        var args = new List<byte[]> { Encoding.ASCII.GetBytes(Commands[random.Next(Commands.Length)]) };
        for (var i = random.Next(0, 7); i > 0; i--)
        {
            args.Add(random.Next(5) == 0 ? RandomBytes(random, random.Next(0, huge ? 200_000 : 64)) : Encoding.ASCII.GetBytes(Words[random.Next(Words.Length)]));
        }
        var frame = new MemoryStream();
        frame.Write(Encoding.ASCII.GetBytes($"*{args.Count}\r\n"));
        foreach (var arg in args)
        {
            frame.Write(Encoding.ASCII.GetBytes($"${arg.Length}\r\n"));
            frame.Write(arg);
            frame.Write("\r\n"u8);
        }
        return frame.ToArray();
    }

    private static byte[] Mutate(byte[] frame, Random random)
    {
        var bytes = frame.ToList();
        for (var i = random.Next(1, 4); i > 0 && bytes.Count > 0; i--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveRange(at, bytes.Count - at); break;
                case 2: bytes.Insert(at, bytes[at]); break;
                default: bytes.InsertRange(at, Encoding.ASCII.GetBytes(Pick(random, "\r\n", "*", "$", "-1", "999999999"))); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Sends the frames (whole or in random pieces), half-closes, and reads until the node closes or goes quiet.</summary>
    private static async Task SendAndDrainAsync(int port, List<byte[]> frames, Random random)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        var payload = frames.SelectMany(f => f).ToArray();
        try
        {
            for (var at = 0; at < payload.Length;)
            {
                var piece = random.Next(3) == 0 ? random.Next(1, 64) : payload.Length - at;
                piece = Math.Min(piece, payload.Length - at);
                await socket.SendAsync(payload.AsMemory(at, piece));
                at += piece;
            }
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[64 * 1024];
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await socket.ReceiveAsync(buffer, quiet.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // The node closed the connection on a protocol error (or stayed quiet): both are answers.
        }
    }

    private static async Task<bool> PingsAsync(int port)
    {
        try
        {
            using var client = new RawClient(port);
            return await Task.Run(() => client.Call("PING") == "+PONG").WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    private static string Pick(Random random, params string[] options) => options[random.Next(options.Length)];

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Show(List<byte[]> frames) =>
        string.Join("\n", frames.TakeLast(5).Select(f => Encoding.ASCII.GetString(f, 0, Math.Min(f.Length, 200)).Replace("\r", "\\r").Replace("\n", "\\n")));
}
