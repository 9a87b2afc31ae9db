using System.Net.Sockets;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>
/// A bare socket to the server for byte-exact protocol checks. Replies are rendered as text:
/// "+OK", "-ERR ...", ":1", "$hello" (bulk), "$nil", "_" (RESP3 null), "*[a, b]", "%{k: v}", etc.
/// </summary>
public sealed class RawClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _client = new();
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public RawClient(int port)
    {
        _client.Connect("127.0.0.1", port);
        _client.NoDelay = true;
        _stream = _client.GetStream();
        _stream.ReadTimeout = (int)Timeout.TotalMilliseconds;
    }

    public void Send(string text) => Send(Encoding.UTF8.GetBytes(text));

    public void Send(byte[] bytes) => _stream.Write(bytes);

    /// <summary>Sends a command as a multibulk.</summary>
    public string Call(params string[] args)
    {
        Send(Encode(args));
        return ReadReply();
    }

    public static string Encode(params string[] args)
    {
        var text = new StringBuilder($"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
        return text.ToString();
    }

    public string ReadReply()
    {
        var line = ReadLine();
        var body = line[1..];
        switch (line[0])
        {
            case '+' or '-' or ':' or ',' or '#' or '(':
                return line;
            case '_':
                return "_";
            case '$' or '=':
                var length = int.Parse(body);
                return length < 0 ? "$nil" : line[0] + Encoding.UTF8.GetString(ReadExactly(length + 2), 0, length);
            case '*' or '~' or '>':
                var count = int.Parse(body);
                return count < 0 ? "*nil" : line[0] + "[" + string.Join(", ", Enumerable.Range(0, count).Select(_ => ReadReply())) + "]";
            case '%':
                var pairs = int.Parse(body);
                return "%{" + string.Join(", ", Enumerable.Range(0, pairs).Select(_ => ReadReply() + ": " + ReadReply())) + "}";
            default:
                throw new InvalidDataException($"unexpected reply line '{line}'");
        }
    }

    /// <summary>True when the server closed the connection (reads end) within the timeout.</summary>
    public bool IsClosedByServer()
    {
        try
        {
            return _start == _end && _stream.Read(_buffer, 0, _buffer.Length) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private string ReadLine()
    {
        var line = new List<byte>();
        while (true)
        {
            var b = ReadByte();
            if (b == '\r')
            {
                ReadByte();
                return Encoding.UTF8.GetString(line.ToArray());
            }
            line.Add(b);
        }
    }

    private byte[] ReadExactly(int count)
    {
        var result = new byte[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = ReadByte();
        }
        return result;
    }

    private byte ReadByte()
    {
        if (_start == _end)
        {
            _start = 0;
            _end = _stream.Read(_buffer, 0, _buffer.Length);
            if (_end == 0)
            {
                throw new EndOfStreamException("server closed the connection");
            }
        }
        return _buffer[_start++];
    }

    public void Dispose() => _client.Dispose();
}
