using System.Buffers;
using System.Text;
using Cairn.Server.Commands;
using Cairn.StateMachine;
using Cairn.StateMachine.Wire;

namespace Cairn.Server.Tests;

/// <summary>Every kind of state-machine reply, in RESP2 and RESP3 as Redis writes it, and through the peer codec unchanged.</summary>
public class ReplyWriterTests
{
    private static KvReply B(string s) => KvReply.Bulk(s);

    public static TheoryData<string, string, string> Replies => new()
    {
        { "map", "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n:2\r\n", "%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n:2\r\n" },
        { "set", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "~2\r\n$1\r\na\r\n$1\r\nb\r\n" },
        { "double", "$3\r\n1.5\r\n", ",1.5\r\n" },
        { "inf", "$3\r\ninf\r\n", ",inf\r\n" },
        { "nullarray", "*-1\r\n", "_\r\n" },
        { "null", "$-1\r\n", "_\r\n" },
        { "nested", "*2\r\n*0\r\n$-1\r\n", "*2\r\n%0\r\n_\r\n" },
    };

    private static KvReply Make(string name) => name switch
    {
        "map" => KvReply.Map([B("f"), B("v"), B("g"), KvReply.Int(2)]),
        "set" => KvReply.Set([B("a"), B("b")]),
        "double" => KvReply.FromDouble(1.5),
        "inf" => KvReply.FromDouble(double.PositiveInfinity),
        "nullarray" => KvReply.NullArray,
        "null" => KvReply.Null,
        _ => KvReply.Array([KvReply.Map([]), KvReply.Null]),
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void EachKindIsWrittenAsRedisWritesIt(string name, string resp2, string resp3)
    {
        Assert.Equal(resp2, Render(Make(name), 2));
        Assert.Equal(resp3, Render(Make(name), 3));
        // Across the peer wire (a forwarded write's answer, a reply a session keeps) nothing changes.
        var writer = new WireWriter();
        KvReplyCodec.Write(writer, Make(name));
        var reader = new WireReader(writer.Written);
        var back = KvReplyCodec.Read(ref reader);
        Assert.Equal(resp3, Render(back, 3));
        Assert.Equal(resp2, Render(back, 2));
    }

    [Fact]
    public void AnErrorsCodeIsItsFirstWordAndAMapNeedsPairs()
    {
        Assert.Equal("WRONGTYPE", KvReply.Error("WRONGTYPE Operation against a key holding the wrong kind of value").ErrorCode);
        Assert.Equal("ERR", KvReply.Error("ERR").ErrorCode);
        Assert.Null(KvReply.Ok.ErrorCode);
        Assert.Throws<ArgumentException>(() => KvReply.Map([B("odd")]));
    }

    private static string Render(KvReply reply, int protocol)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ReplyWriter.Write(new Cairn.Resp.RespWriter(buffer) { Protocol = protocol }, reply);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
