using System.Net.Sockets;
using System.Text;
using Cairn.Resp;

namespace Cairn.Cli.Clients;

/// <summary>One RESP2 connection: a command out, its reply back, with a timeout on each.</summary>
public sealed class RespConnection : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly RespReplyReader _reader;

    private RespConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new RespReplyReader(_stream);
    }

    public static async Task<RespConnection> ConnectAsync(string server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (host, port) = ServerAddress.Parse(server);
        var tcp = new TcpClient { NoDelay = true, ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds };
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            await tcp.ConnectAsync(host, port, limit.Token);
            return new RespConnection(tcp);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new UnreachableException(server, ex is OperationCanceledException ? new TimeoutException($"no connection within {timeout.TotalSeconds:0.#} s") : ex);
        }
    }

    public RespValue Call(params string[] args) => Call(args.Select(a => Encoding.UTF8.GetBytes(a)).ToArray());

    public RespValue Call(IReadOnlyList<byte[]> args)
    {
        try
        {
            _stream.Write(Encode(args));
            return _reader.Read();
        }
        catch (IOException ex)
        {
            throw new UnreachableException(_tcp.Client.RemoteEndPoint?.ToString() ?? "the server", ex);
        }
    }

    /// <summary>A command as a RESP array of bulk strings.</summary>
    public static byte[] Encode(IReadOnlyList<byte[]> args)
    {
        using var buffer = new MemoryStream();
        void Line(string text) => buffer.Write(Encoding.ASCII.GetBytes(text + "\r\n"));
        Line("*" + args.Count);
        foreach (var arg in args)
        {
            Line("$" + arg.Length);
            buffer.Write(arg);
            buffer.Write("\r\n"u8);
        }
        return buffer.ToArray();
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}

public static class ServerAddress
{
    /// <summary>"host:port", "host" (default port), "[v6]:port".</summary>
    public static (string Host, int Port) Parse(string server, int defaultPort = 0)
    {
        var colon = server.LastIndexOf(':');
        if (colon > 0 && server.IndexOf(']') < colon && int.TryParse(server.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535)
        {
            return (server[..colon].Trim('[', ']'), port);
        }
        if (defaultPort > 0 && colon < 0)
        {
            return (server, defaultPort);
        }
        throw new CliException($"'{server}' is not host:port");
    }
}
