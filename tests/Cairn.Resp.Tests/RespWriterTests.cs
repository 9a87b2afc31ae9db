using System.Buffers;
using System.Text;

namespace Cairn.Resp.Tests;

public class RespWriterTests
{
    [Theory]
    [InlineData(2, "$-1\r\n*-1\r\n*4\r\n*2\r\n$3\r\n1.5\r\n:1\r\n$2\r\nhi\r\n")]
    [InlineData(3, "_\r\n_\r\n%2\r\n~2\r\n,1.5\r\n#t\r\n=6\r\ntxt:hi\r\n")]
    public void ProtocolVersionPicksTheForm(int protocol, string expected)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(output) { Protocol = protocol };
        writer.WriteNull();
        writer.WriteNullArray();
        writer.WriteMapHeader(2);
        writer.WriteSetHeader(2);
        writer.WriteDouble(1.5);
        writer.WriteBoolean(true);
        writer.WriteVerbatim("hi");
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WritesScalarsAndStripsLineBreaksFromErrors()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(output);
        writer.WriteOk();
        writer.WriteInteger(-42);
        writer.WriteBulk("héllo");
        writer.WriteError("ERR bad\r\nthing");
        writer.WriteArrayHeader(0);
        Assert.Equal("+OK\r\n:-42\r\n$6\r\nhéllo\r\n-ERR bad  thing\r\n*0\r\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("-1", true, -1L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("01", false, 0L)]
    [InlineData("+1", false, 0L)]
    [InlineData("-0", false, 0L)]
    [InlineData(" 1", false, 0L)]
    [InlineData("", false, 0L)]
    public void ParsesIntegersLikeRedis(string text, bool ok, long value)
    {
        Assert.Equal(ok, RespNumbers.TryParseInt64(Encoding.ASCII.GetBytes(text), out var parsed));
        Assert.Equal(value, ok ? parsed : 0);
    }
}
