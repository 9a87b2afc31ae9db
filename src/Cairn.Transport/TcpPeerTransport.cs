using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Cairn.Replication;
using Microsoft.Extensions.Logging;

namespace Cairn.Transport;

/// <summary>
/// TCP between peers. Each node dials one connection to every peer it sends to (all groups share it)
/// and accepts the peers' connections on its peer port. A connection opens with a handshake naming
/// the dialer (id and advertised address), which also teaches the acceptor where to answer it.
/// Anything malformed — a bad handshake, an oversized or unknown frame, a payload the handler rejects —
/// is logged and the connection dropped; the node carries on.
/// </summary>
public sealed partial class TcpPeerTransport : IPeerTransport, IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<ulong, string> _addresses = new();
    private readonly ConcurrentDictionary<string, OutboundConnection> _outbound = new();
    private readonly ConcurrentDictionary<Socket, byte> _inbound = new();
    private readonly CancellationTokenSource _stop = new();
    private MemberInfo? _self;
    private IPeerHandler _handler = null!;
    private byte[] _hello = [];
    private Task _acceptLoop = Task.CompletedTask;

    /// <summary>Binds the peer port now (port 0 picks a free one; see <see cref="LocalEndPoint"/>); serves once started.</summary>
    public TcpPeerTransport(IPEndPoint listen, ILogger logger)
    {
        _logger = logger;
        _listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(listen);
        _listener.Listen(128);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public void Start(MemberInfo self, IPeerHandler handler)
    {
        _self = self;
        _handler = handler;
        _hello = Frame.Hello(self.Id, self.RaftAddress);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public void SetAddresses(IEnumerable<(ulong Id, string Address)> peers)
    {
        foreach (var (id, address) in peers)
        {
            if (id != _self?.Id && address.Length > 0)
            {
                _addresses[id] = address;
            }
        }
    }

    public string? AddressOf(ulong id) => _addresses.TryGetValue(id, out var address) ? address : null;

    public void Send(ulong to, ReadOnlySpan<byte> payload)
    {
        if (_addresses.TryGetValue(to, out var address))
        {
            Connection(address).SendOneWay(payload);
        }
    }

    public Task<byte[]> RequestAsync(string address, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            Addresses.Split(address);
        }
        catch (ArgumentException ex)
        {
            return Task.FromException<byte[]>(new PeerUnavailableException(ex.Message));
        }
        return Connection(address).RequestAsync(payload, timeout, cancellationToken);
    }

    private OutboundConnection Connection(string address) =>
        _outbound.TryGetValue(address, out var connection)
            ? connection
            : _outbound.GetOrAdd(address, a => new OutboundConnection(a, _hello, _logger));

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            socket.NoDelay = true;
            _inbound[socket] = 0;
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = PipeReader.Create(stream);
        var writeLock = new SemaphoreSlim(1, 1);
        ulong peer = 0;
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            handshake.CancelAfter(HandshakeTimeout);
            var token = handshake.Token;
            while (true)
            {
                var result = await reader.ReadAsync(token);
                var buffer = result.Buffer;
                while (Frame.TryRead(ref buffer, peer == 0 ? Frame.MaxHelloBytes : Frame.MaxFrameBytes, out var type, out var id, out var payload))
                {
                    if (peer == 0)
                    {
                        if (type != FrameType.Hello)
                        {
                            throw new FormatException("the first frame is not a handshake");
                        }
                        var (nodeId, address) = Frame.ReadHello(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray());
                        if (nodeId == 0)
                        {
                            throw new FormatException("handshake with node id 0");
                        }
                        peer = nodeId;
                        if (address.Length > 0 && nodeId != _self!.Id)
                        {
                            _addresses[nodeId] = address;
                        }
                        token = _stop.Token;
                        continue;
                    }
                    switch (type)
                    {
                        case FrameType.OneWay:
                            _handler.OnMessage(peer, payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray());
                            break;
                        case FrameType.Request:
                            _ = AnswerAsync(stream, writeLock, peer, id, payload.ToArray());
                            break;
                        default:
                            throw new FormatException($"unexpected {type} frame from a dialer");
                    }
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (FormatException ex)
        {
            LogGarbage(remote, peer == 0 ? "unknown" : peer.ToString("x16"), ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away, or we are stopping.
        }
        catch (Exception ex)
        {
            LogGarbage(remote, peer == 0 ? "unknown" : peer.ToString("x16"), ex.Message);
        }
        finally
        {
            await reader.CompleteAsync();
            _inbound.TryRemove(socket, out _);
        }
    }

    private async Task AnswerAsync(NetworkStream stream, SemaphoreSlim writeLock, ulong peer, ulong id, byte[] payload)
    {
        byte[] frame;
        try
        {
            frame = Frame.Build(FrameType.Response, id, await _handler.OnRequestAsync(peer, payload));
        }
        catch (Exception ex)
        {
            LogRequestFailed(peer.ToString("x16"), ex.Message);
            frame = Frame.Build(FrameType.Failure, id, System.Text.Encoding.UTF8.GetBytes(ex.Message));
        }
        await writeLock.WaitAsync();
        try
        {
            await stream.WriteAsync(frame, _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The dialer is gone; it fails its own pending request.
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _acceptLoop;
        foreach (var socket in _inbound.Keys)
        {
            socket.Dispose();
        }
        foreach (var connection in _outbound.Values)
        {
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Dropped a peer connection from {Remote} (node {Node}): {Reason}")]
    private partial void LogGarbage(string remote, string node, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "A request from node {Node} failed: {Reason}")]
    private partial void LogRequestFailed(string node, string reason);
}
