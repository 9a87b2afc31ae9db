using System.Text;

namespace Cairn.Server.Tests;

public class ProtocolTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private ServerProcess Server => fixture.Server;

    [Theory]
    [InlineData("*abc\r\n", "-ERR Protocol error: invalid multibulk length")]
    [InlineData("*1\r\n$-3\r\n", "-ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'")]
    [InlineData("SET k \"unterminated\r\n", "-ERR Protocol error: unbalanced quotes in request")]
    public void MalformedInputGetsRedisErrorAndClose(string payload, string error)
    {
        using var client = Server.Raw();
        Assert.Equal("+PONG", client.Call("PING"));
        client.Send(payload);
        Assert.Equal(error, client.ReadReply());
        Assert.True(client.IsClosedByServer());
        using var next = Server.Raw();
        Assert.Equal("+PONG", next.Call("PING"));
    }

    [Fact]
    public void TooBigInlineRequestIsRejected()
    {
        using var client = Server.Raw();
        client.Send(new string('x', 70 * 1024));
        Assert.Equal("-ERR Protocol error: too big inline request", client.ReadReply());
        Assert.True(client.IsClosedByServer());
    }

    [Fact]
    public void RepliesBeforeAProtocolErrorAreDelivered()
    {
        using var client = Server.Raw();
        client.Send(RawClient.Encode("SET", "proto:before", "1") + RawClient.Encode("GET", "proto:before") + "*x\r\n");
        Assert.Equal("+OK", client.ReadReply());
        Assert.Equal("$1", client.ReadReply());
        Assert.Equal("-ERR Protocol error: invalid multibulk length", client.ReadReply());
    }

    [Fact]
    public void InlineCommandsWork()
    {
        using var client = Server.Raw();
        client.Send("PING\r\nSET proto:inline \"hello world\"\r\nGET proto:inline\r\n\r\nECHO 'it\\'s'\n");
        Assert.Equal("+PONG", client.ReadReply());
        Assert.Equal("+OK", client.ReadReply());
        Assert.Equal("$hello world", client.ReadReply());
        Assert.Equal("$it's", client.ReadReply());
    }

    [Fact]
    public void DeepPipelinesAnswerInOrderAndReadsSeeEarlierWrites()
    {
        using var client = Server.Raw();
        var payload = new StringBuilder();
        const int n = 5000;
        for (var i = 0; i < n; i++)
        {
            payload.Append(RawClient.Encode("INCR", "proto:pipe"));
            payload.Append(RawClient.Encode("GET", "proto:pipe"));
        }
        client.Send(payload.ToString());
        for (var i = 1; i <= n; i++)
        {
            Assert.Equal($":{i}", client.ReadReply());
            Assert.Equal($"${i}", client.ReadReply());
        }
    }

    [Fact]
    public void PipelinesAnswerInRequestOrderWhenCommandsFailAmongPendingOnes()
    {
        using var client = Server.Raw();
        var payload = new StringBuilder();
        const int n = 200;
        for (var i = 0; i < n; i++)
        {
            var key = $"proto:order:{i}";
            payload.Append(RawClient.Encode("SET", key, "old"))
                .Append(RawClient.Encode("SET", key))                    // wrong arity, behind a pending write
                .Append(RawClient.Encode("SET", key, "x", "XX", "NX"))   // syntax error, likewise
                .Append(RawClient.Encode("GET", key))
                .Append(RawClient.Encode("GETRANGE", key, "x", "1"))     // not an integer, behind a pending read
                .Append(RawClient.Encode("SET", key, "new"))
                .Append(RawClient.Encode("GET", key))
                .Append(RawClient.Encode("GET", key));
        }
        client.Send(payload.ToString());
        for (var i = 0; i < n; i++)
        {
            Assert.Equal("+OK", client.ReadReply());
            Assert.Equal("-ERR wrong number of arguments for 'set' command", client.ReadReply());
            Assert.Equal("-ERR syntax error", client.ReadReply());
            Assert.Equal("$old", client.ReadReply());
            Assert.Equal("-ERR value is not an integer or out of range", client.ReadReply());
            Assert.Equal("+OK", client.ReadReply());
            Assert.Equal("$new", client.ReadReply());
            Assert.Equal("$new", client.ReadReply());
        }
    }

    [Fact]
    public void LargeValuesRoundTrip()
    {
        using var client = Server.Raw();
        var value = new string('v', 20 * 1024 * 1024);
        Assert.Equal("+OK", client.Call("SET", "proto:big", value));
        Assert.Equal(":" + value.Length, client.Call("STRLEN", "proto:big"));
        Assert.Equal("$" + value, client.Call("GET", "proto:big"));
        Assert.Equal(":1", client.Call("DEL", "proto:big"));
    }

    [Fact]
    public void AHugeDeclaredLengthDoesNotStopTheServer()
    {
        using var client = Server.Raw();
        client.Send("*2\r\n$3\r\nGET\r\n$536870000\r\nonly a few bytes");
        using var other = Server.Raw();
        Assert.Equal("+PONG", other.Call("PING"));
        Assert.Contains("connected_clients:2", other.Call("INFO", "clients"));
    }

    [Fact]
    public void UnknownCommandsAndWrongArityUseRedisText()
    {
        using var client = Server.Raw();
        Assert.Equal("-ERR unknown command 'foo', with args beginning with: 'a' 'b c' ", client.Call("foo", "a", "b c"));
        Assert.Equal("-ERR unknown command 'nope', with args beginning with: ", client.Call("nope"));
        Assert.Equal("-ERR wrong number of arguments for 'get' command", client.Call("GET"));
        Assert.Equal("-ERR wrong number of arguments for 'client|setname' command", client.Call("CLIENT", "SETNAME"));
        Assert.Equal("-ERR unknown subcommand 'nope'. Try CLIENT HELP.", client.Call("CLIENT", "nope"));
        Assert.Equal("-ERR wrong number of arguments for 'config' command", client.Call("CONFIG"));
        Assert.Equal("+PONG", client.Call("ping"));
    }

    [Fact]
    public void Resp3RepliesAfterHello3()
    {
        using var client = Server.Raw();
        Assert.Equal("$nil", client.Call("GET", "proto:none"));
        var hello = client.Call("HELLO", "3");
        Assert.StartsWith("%{$server: $redis, $version: $7.0.0, $proto: :3, $id: :", hello);
        Assert.Equal("_", client.Call("GET", "proto:none"));
        Assert.StartsWith("%{", client.Call("CONFIG", "GET", "port"));
        Assert.StartsWith("=txt:# Server", client.Call("INFO", "server"));
        Assert.Equal("+OK", client.Call("SET", "proto:resp3", "v"));
        Assert.Equal("*[$v, _]", client.Call("MGET", "proto:resp3", "proto:none"));
        // Redis 7.0's shape: tips and key specs are sets; subcommands an empty set, or an array of them.
        Assert.Equal("*[*[$get, :2, ~[+readonly, +fast], :1, :1, :1, ~[+@read, +@string, +@fast], ~[], ~[], ~[]], _]", client.Call("COMMAND", "INFO", "get", "nosuch"));
        Assert.StartsWith("*[*[$client, :-2, ~[], :0, :0, :0, ~[+@slow], ~[], ~[], *[*[$client|", client.Call("COMMAND", "INFO", "client"));
        Assert.StartsWith("*[", client.Call("HELLO", "2"));
        Assert.Equal("$nil", client.Call("GET", "proto:none"));
        Assert.Equal("-NOPROTO unsupported protocol version", client.Call("HELLO", "4"));
        Assert.Equal("-ERR Protocol version is not an integer or out of range", client.Call("HELLO", "x"));
    }

    [Fact]
    public void QuitRepliesAndCloses()
    {
        using var client = Server.Raw();
        Assert.Equal("+OK", client.Call("QUIT"));
        Assert.True(client.IsClosedByServer());
    }
}
