using System.Text;

namespace Cairn.Resp;

/// <summary>
/// Reads replies from a server's stream, for clients (the cairn CLI). Bounded: a bulk string longer than
/// <see cref="MaxBulkLength"/>, an array longer than <see cref="MaxArrayLength"/> or nested deeper than
/// <see cref="MaxDepth"/> is a protocol error rather than an allocation a broken server could make us do.
/// </summary>
public sealed class RespReplyReader(Stream stream)
{
    public const long MaxBulkLength = 512L * 1024 * 1024;
    public const int MaxArrayLength = 64 * 1024 * 1024;
    public const int MaxDepth = 64;

    private readonly BufferedStream _input = new(stream, 64 * 1024);

    /// <summary>The next reply; throws <see cref="EndOfStreamException"/> when the server closed the connection.</summary>
    public RespValue Read() => Read(0);

    private RespValue Read(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new RespProtocolException("Protocol error: replies nested too deeply");
        }
        var line = ReadLine();
        if (line.Length == 0)
        {
            throw new RespProtocolException("Protocol error: empty reply line");
        }
        var body = line.AsSpan(1);
        switch (line[0])
        {
            case (byte)'+':
                return new RespValue(RespKind.Simple, Text: Encoding.UTF8.GetString(body));
            case (byte)'-':
            case (byte)'!':
                return new RespValue(RespKind.Error, Text: line[0] == (byte)'!' ? Encoding.UTF8.GetString(ReadBulk(Length(body))) : Encoding.UTF8.GetString(body));
            case (byte)':':
                return new RespValue(RespKind.Integer, Integer: Number(body));
            case (byte)'_':
                return RespValue.Nil;
            case (byte)'#':
                return new RespValue(RespKind.Integer, Integer: body.SequenceEqual("t"u8) ? 1 : 0);
            case (byte)',':
            case (byte)'(':
                return new RespValue(RespKind.Bulk, Bytes: body.ToArray());
            case (byte)'$':
            case (byte)'=':
            {
                var length = Number(body);
                if (length < 0)
                {
                    return RespValue.Nil;
                }
                return new RespValue(RespKind.Bulk, Bytes: ReadBulk(length));
            }
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            case (byte)'%':
            {
                var count = Number(body);
                if (count < 0)
                {
                    return RespValue.Nil;
                }
                if (line[0] == (byte)'%')
                {
                    count *= 2;
                }
                if (count > MaxArrayLength)
                {
                    throw new RespProtocolException($"Protocol error: array of {count} items");
                }
                var items = new List<RespValue>((int)Math.Min(count, 1024));
                for (var i = 0; i < count; i++)
                {
                    items.Add(Read(depth + 1));
                }
                return new RespValue(RespKind.Array, Items: items);
            }
            default:
                throw new RespProtocolException($"Protocol error: unexpected reply type '{(char)line[0]}'");
        }
    }

    private static long Length(ReadOnlySpan<byte> text) => Number(text);

    private static long Number(ReadOnlySpan<byte> text) =>
        RespNumbers.TryParseInt64(text, out var value) ? value : throw new RespProtocolException("Protocol error: invalid number in reply");

    private byte[] ReadBulk(long length)
    {
        if (length > MaxBulkLength)
        {
            throw new RespProtocolException($"Protocol error: bulk string of {length} bytes");
        }
        var bytes = new byte[length];
        _input.ReadExactly(bytes);
        Span<byte> crlf = stackalloc byte[2];
        _input.ReadExactly(crlf);
        if (crlf[0] != (byte)'\r' || crlf[1] != (byte)'\n')
        {
            throw new RespProtocolException("Protocol error: bulk string not followed by CRLF");
        }
        return bytes;
    }

    /// <summary>A line without its CRLF (at most 64 KB: reply headers and simple strings are short).</summary>
    private byte[] ReadLine()
    {
        var line = new List<byte>(64);
        while (true)
        {
            var b = _input.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException("the server closed the connection");
            }
            if (b == '\r')
            {
                if (_input.ReadByte() != '\n')
                {
                    throw new RespProtocolException("Protocol error: CR without LF");
                }
                return [.. line];
            }
            line.Add((byte)b);
            if (line.Count > 64 * 1024)
            {
                throw new RespProtocolException("Protocol error: reply line too long");
            }
        }
    }
}
