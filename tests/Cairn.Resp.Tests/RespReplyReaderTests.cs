using System.Text;

namespace Cairn.Resp.Tests;

public class RespReplyReaderTests
{
    private static RespValue Read(string wire) => new RespReplyReader(new MemoryStream(Encoding.UTF8.GetBytes(wire))).Read();

    [Fact]
    public void EveryRespTwoReplyTypeIsRead()
    {
        Assert.Equal("OK", Read("+OK\r\n").Text);
        Assert.True(Read("-ERR nope\r\n").IsError);
        Assert.Equal(-42, Read(":-42\r\n").Integer);
        Assert.Equal("a\r\nb"u8.ToArray(), Read("$4\r\na\r\nb\r\n").Bytes);
        Assert.Equal(RespKind.Null, Read("$-1\r\n").Kind);
        Assert.Equal(RespKind.Null, Read("*-1\r\n").Kind);
        var array = Read("*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n");
        Assert.Equal(RespKind.Array, array.Kind);
        Assert.Equal("1) (integer) 1\n2) 1) \"x\"\n3) (nil)", array.ToRedisCliText());
        Assert.Equal("(empty array)", Read("*0\r\n").ToRedisCliText());
    }

    [Fact]
    public void RespThreeTypesReadAsTheirRespTwoForms()
    {
        Assert.Equal(RespKind.Null, Read("_\r\n").Kind);
        Assert.Equal(1, Read("#t\r\n").Integer);
        Assert.Equal(4, Read("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n").Items!.Count);
    }

    [Theory]
    [InlineData("$999999999999\r\n")]
    [InlineData("*99999999999\r\n")]
    [InlineData("?what\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$3\r\nabcXY")]
    public void ABrokenReplyIsAProtocolErrorNotAHugeAllocation(string wire)
    {
        Assert.Throws<RespProtocolException>(() => Read(wire));
    }

    [Fact]
    public void AClosedConnectionIsEndOfStream()
    {
        Assert.Throws<EndOfStreamException>(() => Read("+OK"));
    }

    [Fact]
    public void BulkStringsPrintQuotedAsRedisCliDoes()
    {
        Assert.Equal("\"a\\\"b\\n\\x00\\xff\"", RespValue.Quote([(byte)'a', (byte)'"', (byte)'b', (byte)'\n', 0, 0xFF]));
    }
}
