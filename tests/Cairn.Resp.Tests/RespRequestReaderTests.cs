using System.Buffers;
using System.Text;

namespace Cairn.Resp.Tests;

public class RespRequestReaderTests
{
    public static TheoryData<string, string[][]> WellFormed => new()
    {
        { "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [["GET", "k"]] },
        { "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n", [["SET", "k", "a\r\nb"]] },
        { "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [["ECHO", ""]] },
        { "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", [["PING"], ["ECHO", "hi"]] },
        { "PING\r\n", [["PING"]] },
        { "PING\n", [["PING"]] },
        { "SET k \"a b\"\r\n", [["SET", "k", "a b"]] },
        { "SET k 'it\\'s'\r\n", [["SET", "k", "it's"]] },
        { "ECHO \"\\x41\\n\\t\\\\\"\r\n", [["ECHO", "A\n\t\\"]] },
        { "  GET    k  \r\n", [["GET", "k"]] },
        { "\r\n*0\r\n*-1\r\nPING\r\n", [[], [], [], ["PING"]] },
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void ParsesWholePayload(string payload, string[][] expected) =>
        Assert.Equal(expected, ParseAll(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload))));

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void ParsesPayloadSplitAtEveryByte(string payload, string[][] expected)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        for (var i = 1; i < bytes.Length; i++)
        {
            Assert.Equal(expected, ParseAll(Segments.SplitAt(bytes, i)));
        }
    }

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void ParsesPayloadOneByteAtATime(string payload, string[][] expected) =>
        Assert.Equal(expected, ParseAll(Segments.OneByteEach(Encoding.UTF8.GetBytes(payload))));

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void AsksForMoreUntilTheFirstRequestIsComplete(string payload, string[][] expected)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        var reader = new RespRequestReader();
        var request = new RespRequest();
        var firstLength = -1;
        for (var length = 0; length <= bytes.Length && firstLength < 0; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            if (reader.TryRead(ref buffer, request))
            {
                firstLength = length;
                Assert.Equal(expected[0], Args(request));
            }
            else
            {
                Assert.Equal(length, buffer.Length);
            }
        }
        Assert.True(firstLength > 0);
    }

    [Fact]
    public void BulkStringsAreBinarySafe()
    {
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var payload = Encoding.ASCII.GetBytes("*2\r\n$4\r\nECHO\r\n$256\r\n").Concat(value).Concat("\r\n"u8.ToArray()).ToArray();
        for (var i = 1; i < payload.Length; i += 7)
        {
            var buffer = Segments.SplitAt(payload, i);
            var request = new RespRequest();
            Assert.True(new RespRequestReader().TryRead(ref buffer, request));
            Assert.Equal(value, request[1].ToArray());
        }
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "*abc\r\n", "Protocol error: invalid multibulk length" },
        { "*3000000000\r\n", "Protocol error: invalid multibulk length" },
        { "*+1\r\n", "Protocol error: invalid multibulk length" },
        { "*1\r\nx\r\n", "Protocol error: expected '$', got 'x'" },
        { "*1\r\n:1\r\n", "Protocol error: expected '$', got ':'" },
        { "*1\r\n$-5\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$abc\r\n", "Protocol error: invalid bulk length" },
        { "*1\r\n$600000000\r\n", "Protocol error: invalid bulk length" },
        { "SET k \"abc\r\n", "Protocol error: unbalanced quotes in request" },
        { "SET k \"abc\"def\r\n", "Protocol error: unbalanced quotes in request" },
        { "SET k 'abc\r\n", "Protocol error: unbalanced quotes in request" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void RejectsMalformedInputWithRedisText(string payload, string error)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        Assert.Equal(error, ParseError(new ReadOnlySequence<byte>(bytes)));
        Assert.Equal(error, ParseError(Segments.OneByteEach(bytes)));
    }

    [Fact]
    public void RejectsInlineRequestOverTheLimit()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('a', 64 * 1024 + 1));
        Assert.Equal("Protocol error: too big inline request", ParseError(new ReadOnlySequence<byte>(bytes)));
    }

    [Fact]
    public void RejectsHeaderLinesOverTheLimit()
    {
        var digits = new string('1', 64 * 1024 + 1);
        Assert.Equal("Protocol error: too big mbulk count string", ParseError(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("*" + digits))));
        Assert.Equal("Protocol error: too big bulk count string", ParseError(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("*1\r\n$" + digits))));
    }

    [Fact]
    public void RespectsConfiguredBulkLimit()
    {
        var reader = new RespRequestReader(new RespLimits { MaxBulkLength = 10 });
        var buffer = new ReadOnlySequence<byte>("*1\r\n$11\r\n"u8.ToArray());
        var error = Assert.Throws<RespProtocolException>(() => reader.TryRead(ref buffer, new RespRequest()));
        Assert.Equal("Protocol error: invalid bulk length", error.Message);
    }

    [Theory]
    [InlineData("*1\r\n$536870912\r\nabc")]
    [InlineData("*2147483647\r\n$1\r\na\r\n")]
    public void HugeDeclaredLengthsReserveNoMemory(string payload)
    {
        var reader = new RespRequestReader();
        var request = new RespRequest();
        var bytes = Encoding.ASCII.GetBytes(payload);
        var buffer = new ReadOnlySequence<byte>(bytes);
        reader.TryRead(ref buffer, request);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            buffer = new ReadOnlySequence<byte>(bytes);
            Assert.False(reader.TryRead(ref buffer, request));
        }
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }

    [Fact]
    public void ParsingAllocatesNothingInSteadyState()
    {
        var single = new ReadOnlySequence<byte>("*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$10\r\n0123456789\r\n"u8.ToArray());
        var split = Segments.SplitAt("*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$10\r\n0123456789\r\n"u8.ToArray(), 20);
        var reader = new RespRequestReader();
        var request = new RespRequest();
        void ParseBoth()
        {
            var a = single;
            reader.TryRead(ref a, request);
            var b = split;
            reader.TryRead(ref b, request);
        }
        ParseBoth();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            ParseBoth();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// A request of 50,000 small arguments arriving 100 bytes at a time, as a socket delivers it: each call resumes
    /// after the arguments already parsed, so the work is linear (it used to parse from the '*' every time:
    /// about 1,700 times the input here, minutes of CPU for 100 MB).
    /// </summary>
    [Fact]
    public void APartialMultibulkIsResumedNotParsedAgain()
    {
        const int count = 50_000;
        var payload = new StringBuilder($"*{count}\r\n");
        for (var i = 0; i < count; i++)
        {
            payload.Append($"${i.ToString().Length}\r\n{i}\r\n");
        }
        var bytes = Encoding.ASCII.GetBytes(payload.ToString());
        var reader = new RespRequestReader();
        var request = new RespRequest();
        var parsed = false;
        for (var length = 100; !parsed; length = Math.Min(length + 100, bytes.Length))
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            parsed = reader.TryRead(ref buffer, request);
            Assert.Equal(parsed, length == bytes.Length);
        }
        Assert.Equal(count, request.Count);
        Assert.Equal("49999", request.GetString(count - 1));
        Assert.Equal("123", request.GetString(123));
        Assert.InRange(reader.BytesScanned, bytes.Length, 2L * bytes.Length);
        // The next request starts afresh.
        var next = new ReadOnlySequence<byte>("*1\r\n$4\r\nPING\r\n"u8.ToArray());
        Assert.True(reader.TryRead(ref next, request));
        Assert.Equal(["PING"], Args(request));
    }

    private static List<string[]> ParseAll(ReadOnlySequence<byte> buffer)
    {
        var reader = new RespRequestReader();
        var request = new RespRequest();
        var result = new List<string[]>();
        while (reader.TryRead(ref buffer, request))
        {
            result.Add(Args(request));
        }
        Assert.Equal(0, buffer.Length);
        return result;
    }

    private static string ParseError(ReadOnlySequence<byte> buffer)
    {
        var reader = new RespRequestReader();
        var request = new RespRequest();
        try
        {
            while (reader.TryRead(ref buffer, request))
            {
            }
        }
        catch (RespProtocolException ex)
        {
            return ex.Message;
        }
        return "(no error)";
    }

    private static string[] Args(RespRequest request) => Enumerable.Range(0, request.Count).Select(request.GetString).ToArray();
}
