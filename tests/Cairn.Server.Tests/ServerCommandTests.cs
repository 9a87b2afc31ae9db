using StackExchange.Redis;

namespace Cairn.Server.Tests;

public class ServerCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public void SelectOnlyDatabaseZero()
    {
        using var client = Server.Raw();
        Assert.Equal("+OK", client.Call("SELECT", "0"));
        Assert.Equal("-ERR DB index is out of range", client.Call("SELECT", "1"));
        Assert.Equal("-ERR value is not an integer or out of range", client.Call("SELECT", "x"));
    }

    [Fact]
    public void ClientCommands()
    {
        using var client = Server.Raw();
        var id = client.Call("CLIENT", "ID");
        Assert.Matches(@"^:\d+$", id);
        Assert.Equal("$nil", client.Call("CLIENT", "GETNAME"));
        Assert.Equal("+OK", client.Call("CLIENT", "SETNAME", "worker-1"));
        Assert.Equal("$worker-1", client.Call("CLIENT", "GETNAME"));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.", client.Call("CLIENT", "SETNAME", "a b"));
        Assert.Equal("+OK", client.Call("CLIENT", "SETINFO", "LIB-NAME", "mylib"));
        var info = client.Call("CLIENT", "INFO");
        Assert.Contains($"id={id[1..]} ", info);
        Assert.Contains("name=worker-1 ", info);
        Assert.Contains("lib-name=mylib", info);
        Assert.Contains("cmd=client|info", info);
        using var other = Server.Raw();
        other.Call("CLIENT", "SETNAME", "other");
        var list = client.Call("CLIENT", "LIST");
        Assert.Contains("name=worker-1 ", list);
        Assert.Contains("name=other ", list);
        Assert.DoesNotContain("name=other", client.Call("CLIENT", "LIST", "ID", id[1..]));
        var otherId = other.Call("CLIENT", "ID")[1..];
        Assert.Equal(":1", client.Call("CLIENT", "KILL", "ID", otherId));
        Assert.True(other.IsClosedByServer());
        // The filter form spares the caller unless SKIPME no, as Redis's does.
        Assert.Equal(":0", client.Call("CLIENT", "KILL", "ID", id[1..]));
        Assert.Equal(":0", client.Call("CLIENT", "KILL", "TYPE", "pubsub"));
        Assert.Equal("-ERR Unknown client type 'foo'", client.Call("CLIENT", "KILL", "TYPE", "foo"));
        Assert.Equal("-ERR No such user 'nosuch'", client.Call("CLIENT", "KILL", "USER", "nosuch"));
        Assert.Equal("-ERR syntax error", client.Call("CLIENT", "KILL", "SKIPME", "maybe"));
        Assert.Equal(":1", client.Call("CLIENT", "KILL", "ID", id[1..], "USER", "default", "TYPE", "normal", "SKIPME", "no"));
        Assert.True(client.IsClosedByServer());
    }

    [Fact]
    public void ConfigGetAndSet()
    {
        using var client = Server.Raw();
        Assert.Equal($"*[$port, ${Server.Port}]", client.Call("CONFIG", "GET", "port"));
        Assert.Equal("*[]", client.Call("CONFIG", "GET", "no-such-*"));
        Assert.Equal("*[$databases, $1]", client.Call("CONFIG", "GET", "DATABASES"));
        Assert.Contains("$appendfsync, $always", client.Call("CONFIG", "GET", "append*"));
        Assert.Equal("-ERR Unknown option or number of arguments for CONFIG SET - 'nope'", client.Call("CONFIG", "SET", "nope", "1"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config", client.Call("CONFIG", "SET", "port", "1"));
        Assert.Equal("+OK", client.Call("CONFIG", "SET", "proto-max-bulk-len", "2mb"));
        Assert.Equal("*[$proto-max-bulk-len, $2097152]", client.Call("CONFIG", "GET", "proto-max-bulk-len"));
        using (var limited = Server.Raw())
        {
            limited.Send("*2\r\n$4\r\nECHO\r\n$3000000\r\n");
            Assert.Equal("-ERR Protocol error: invalid bulk length", limited.ReadReply());
        }
        Assert.Equal("+OK", client.Call("CONFIG", "SET", "proto-max-bulk-len", "512mb", "loglevel", "warning"));
        Assert.Equal("*[$loglevel, $warning]", client.Call("CONFIG", "GET", "loglevel"));
        Assert.StartsWith("-ERR CONFIG SET failed (possibly related to argument 'loglevel')", client.Call("CONFIG", "SET", "loglevel", "loud"));
        Assert.Equal("+OK", client.Call("CONFIG", "SET", "loglevel", "notice"));
        Assert.Equal("-ERR wrong number of arguments for 'config|set' command", client.Call("CONFIG", "SET", "loglevel"));
        // The query-buffer limit is also what the socket layer buffers per connection: lowered freely, never raised past the start.
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be at most 1073741824, the limit the server started with (raise [limits] client_query_buffer_limit and restart)",
            client.Call("CONFIG", "SET", "client-query-buffer-limit", "2gb"));
        Assert.Equal("+OK", client.Call("CONFIG", "SET", "client-query-buffer-limit", "512mb"));
        Assert.Equal("+OK", client.Call("CONFIG", "SET", "client-query-buffer-limit", "1gb"));
    }

    [Theory]
    [InlineData("")]
    // Stale reads are answered at once, not queued: written straight into the output, which must flush as it fills too.
    [InlineData("READONLY\r\n")]
    public async Task AClientThatStopsReadingIsHeldNotBufferedAndClientKillEndsIt(string first)
    {
        using var client = Server.Raw();
        Assert.Equal("+OK", client.Call("SET", "obuf:stuck", new string('y', 1_000_000)));
        Server.Process.Refresh();
        var before = Server.Process.WorkingSet64;
        using var stuck = new System.Net.Sockets.TcpClient("127.0.0.1", Server.Port);
        stuck.ReceiveBufferSize = 64 * 1024;
        var stream = stuck.GetStream();
        // 200 replies of 1 MB that it never reads: the node stops answering it once the socket is full.
        stream.Write(System.Text.Encoding.ASCII.GetBytes(first + "CLIENT SETNAME stuck\r\n" + string.Concat(Enumerable.Repeat(RawClient.Encode("GET", "obuf:stuck"), 200))));
        string? id = null;
        // Held: its replies wait for it to read (events=rw) after it has asked for them (cmd=get).
        await Poll.UntilAsync(() =>
        {
            var match = System.Text.RegularExpressions.Regex.Match(client.Call("CLIENT", "LIST"), @"id=(\d+) [^\n]* name=stuck [^\n]* events=rw cmd=get ");
            id = match.Groups[1].Value;
            return Task.FromResult(match.Success);
        }, TimeSpan.FromSeconds(10), "the stuck client held in CLIENT LIST");
        // Held by back-pressure, not buffered: the node's memory does not grow by the 200 MB it was asked for.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("+PONG", client.Call("PING"));
        }
        Server.Process.Refresh();
        var grown = Server.Process.WorkingSet64 - before;
        Assert.True(grown < 64L << 20, $"the node's working set grew by {grown >> 20} MB while 200 MB of replies were held (from {before >> 20} MB)");
        Assert.Equal(":1", client.Call("CLIENT", "KILL", "ID", id!));
        await Poll.UntilAsync(() => Task.FromResult(!client.Call("CLIENT", "LIST").Contains(" name=stuck ", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the killed client gone");
        stream.ReadTimeout = 10_000;
        var buffer = new byte[1 << 20];
        var received = 0L;
        try
        {
            for (int n; (n = stream.Read(buffer)) > 0;)
            {
                received += n;
            }
        }
        catch (IOException)
        {
            // Reset: the node dropped the replies it had not sent.
        }
        Assert.InRange(received, 0, 199L * 1_000_000);
        Assert.Equal("+PONG", client.Call("PING"));
    }

    [Fact]
    public async Task AClientOverItsOutputBufferLimitIsClosed()
    {
        using var client = Server.Raw();
        Assert.Equal("*[$client-output-buffer-limit, $normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60]",
            client.Call("CONFIG", "GET", "client-output-buffer-limit"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.",
            client.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.",
            client.Call("CONFIG", "SET", "client-output-buffer-limit", "master 1mb 0 0"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            client.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb x 0"));
        Assert.Equal("+OK", client.Call("SET", "obuf:big", new string('x', 200_000)));
        Assert.Equal("+OK", client.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 10 pubsub 64mb 16mb 30"));
        Assert.Equal("*[$client-output-buffer-limit, $normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 67108864 16777216 30]",
            client.Call("CONFIG", "GET", "client-output-buffer-limit"));
        try
        {
            using (var reader = new System.Net.Sockets.TcpClient("127.0.0.1", Server.Port))
            {
                // Ten replies of 200 KB in one pipeline: 2 MB unsent, over the 1 MB hard limit. The node closes the
                // connection without sending them all.
                var stream = reader.GetStream();
                stream.ReadTimeout = 10_000;
                stream.Write(System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(RawClient.Encode("GET", "obuf:big"), 10))));
                var received = 0L;
                var buffer = new byte[64 * 1024];
                try
                {
                    for (int n; (n = stream.Read(buffer)) > 0;)
                    {
                        received += n;
                    }
                }
                catch (IOException)
                {
                    // Reset: the node dropped the connection with the replies unsent.
                }
                Assert.InRange(received, 0, 9 * 200_000);
            }
            await Poll.UntilAsync(() => Task.FromResult(Server.Output.Contains("for overcoming of output buffer limits", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line");
            using var small = Server.Raw();
            Assert.Equal(200_001, small.Call("GET", "obuf:big").Length);
        }
        finally
        {
            client.Call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 pubsub 32mb 8mb 60");
        }
    }

    [Fact]
    public void InfoHasTheUsualSections()
    {
        using var client = Server.Raw();
        client.Call("SET", "info:k", "v");
        var info = client.Call("INFO");
        foreach (var section in new[] { "# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# CPU", "# Keyspace" })
        {
            Assert.Contains(section, info);
        }
        Assert.Contains("redis_version:", info);
        Assert.Contains($"tcp_port:{Server.Port}", info);
        Assert.Contains("role:master", info);
        Assert.Matches(@"db0:keys=\d+,expires=\d+,avg_ttl=0", info);
        var stats = client.Call("INFO", "STATS");
        Assert.Contains("# Stats", stats);
        Assert.DoesNotContain("# Server", stats);
        Assert.Equal("$", client.Call("INFO", "nosuchsection"));
    }

    [Fact]
    public void InfoMemoryCountsGarbageCollections()
    {
        using var client = Server.Raw();
        // Megabyte values go to the large-object heap, whose budget forces full collections soon.
        var value = new string('g', 1 << 20);
        for (var i = 0; i < 64; i++)
        {
            Assert.Equal("+OK", client.Call("SET", $"gc:{i % 4}", value));
        }
        var fields = client.Call("INFO", "memory")[1..].Split("\r\n").Where(l => l.StartsWith("cairn_gc_", StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':')], l => double.Parse(l[(l.IndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(fields["cairn_gc_gen2_collections"] >= 1, string.Join(", ", fields));
        // A collection of a generation collects the younger ones too.
        Assert.True(fields["cairn_gc_gen0_collections"] >= fields["cairn_gc_gen1_collections"]);
        Assert.True(fields["cairn_gc_gen1_collections"] >= fields["cairn_gc_gen2_collections"]);
        Assert.True(fields["cairn_gc_pause_total_ms"] > 0);
        client.Call("DEL", "gc:0", "gc:1", "gc:2", "gc:3");
    }

    [Fact]
    public void CommandIntrospection()
    {
        using var client = Server.Raw();
        var count = int.Parse(client.Call("COMMAND", "COUNT")[1..]);
        Assert.True(count >= 50);
        var get = client.Call("COMMAND", "INFO", "get", "nosuch");
        Assert.StartsWith("*[*[$get, :2, *[+readonly, +fast], :1, :1, :1, *[+@read, +@string, +@fast], ", get);
        Assert.EndsWith(", $nil]", get); // an unknown command is a null bulk, as Redis replies
        var docs = client.Call("COMMAND", "DOCS", "set");
        Assert.Contains("$summary, $Set the string value of a key", docs);
        Assert.Contains("$token, $NX", docs);
        Assert.Contains("$type, $oneof", docs);
        Assert.StartsWith("*[", client.Call("COMMAND"));
        Assert.Contains("$config|get", client.Call("COMMAND", "DOCS", "config"));
    }

    [Fact]
    public void TimePingEchoDbsize()
    {
        using var client = Server.Raw();
        var time = client.Call("TIME");
        var seconds = long.Parse(time.Split(',')[0][3..]);
        Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal("$hi", client.Call("PING", "hi"));
        Assert.Equal("-ERR wrong number of arguments for 'ping' command", client.Call("PING", "a", "b"));
        Assert.Equal("$x y", client.Call("ECHO", "x y"));
        Assert.Matches(@"^:\d+$", client.Call("DBSIZE"));
    }

    [Fact]
    public async Task StackExchangeRedisServerApisWork()
    {
        var server = Server.Redis.GetServer("127.0.0.1", Server.Port);
        Assert.Equal(new Version(7, 0, 0), server.Version);
        Assert.Equal(ServerType.Standalone, server.ServerType);
        var ping = await server.PingAsync();
        Assert.True(ping < TimeSpan.FromSeconds(5));
        Assert.Contains(server.Info(), g => g.Key == "Server");
        Assert.Equal("1", server.ConfigGet("databases").Single().Value);
        Assert.NotEmpty(server.ClientList());
        var resp3 = Server.Connect(o => o.Protocol = RedisProtocol.Resp3);
        var db = resp3.GetDatabase();
        await db.StringSetAsync("se:resp3", "v");
        Assert.Equal("v", (string?)await db.StringGetAsync("se:resp3"));
        Assert.True((await db.StringGetAsync("se:none")).IsNull);
        Assert.Equal(RedisProtocol.Resp3, resp3.GetServer("127.0.0.1", Server.Port).Protocol);
        resp3.Dispose();
    }
}
