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
/// and accepts the peers' connections on its peer port. A connection opens with a mutual handshake
/// (<see cref="PeerHandshake"/>): each side proves it holds the cluster secret, and only then does the
/// acceptor read frames or learn the dialer's advertised address. The dialer's authenticated id is the
/// <c>from</c> of everything that arrives on the connection.
/// Anything malformed — a bad handshake, an oversized or unknown frame, a payload the handler rejects —
/// is logged and the connection dropped; the node carries on.
/// </summary>
public sealed partial class TcpPeerTransport : IPeerTransport, IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Requests from one peer connection being answered at once; past it the connection is not read.</summary>
    public const int MaxRequestsInFlight = 1024;

    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<ulong, string> _addresses = new();
    private readonly ConcurrentDictionary<string, OutboundConnection> _outbound = new();
    private readonly ConcurrentDictionary<Socket, byte> _inbound = new();
    private readonly CancellationTokenSource _stop = new();
    private MemberInfo? _self;
    private IPeerHandler _handler = null!;
    private readonly PeerHandshake _handshake;
    private long _refusedPeers;
    private Task _acceptLoop = Task.CompletedTask;

    /// <summary>Binds the peer port now (port 0 picks a free one; see <see cref="LocalEndPoint"/>); serves once started.</summary>
    /// <param name="clusterSecret">What peers must prove they hold (<see cref="PeerHandshake"/>); null: none, loopback peers only.</param>
    public TcpPeerTransport(IPEndPoint listen, ILogger logger, byte[]? clusterSecret = null)
    {
        _logger = logger;
        _handshake = new PeerHandshake(clusterSecret);
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
            : _outbound.GetOrAdd(address, a => new OutboundConnection(a, _self!, _handshake, _logger));

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
        ulong peer = 0;
        if (!_handshake.Admits(socket.RemoteEndPoint))
        {
            LogRefused(remote, "unknown", "this node has no cluster secret, so it takes peers from loopback only");
            _inbound.TryRemove(socket, out _);
            return;
        }
        PipeReader? reader = null;
        try
        {
            peer = await AuthenticateAsync(stream, remote);
            reader = PipeReader.Create(stream);
            var writeLock = new SemaphoreSlim(1, 1);
            // Bounds what one peer can make this node hold: answered requests in flight, then reading stops.
            var inFlight = new SemaphoreSlim(MaxRequestsInFlight, MaxRequestsInFlight);
            var token = _stop.Token;
            while (true)
            {
                var result = await reader.ReadAsync(token);
                var buffer = result.Buffer;
                while (Frame.TryRead(ref buffer, Frame.MaxFrameBytes, out var type, out var id, out var payload))
                {
                    switch (type)
                    {
                        case FrameType.OneWay:
                            _handler.OnMessage(peer, payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray());
                            break;
                        case FrameType.Request:
                            var request = payload.ToArray();
                            await inFlight.WaitAsync(token);
                            _ = AnswerAsync(stream, writeLock, inFlight, peer, id, request);
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
        catch (PeerAuthenticationException ex)
        {
            Interlocked.Increment(ref _refusedPeers);
            LogRefused(remote, peer == 0 ? "unknown" : peer.ToString("x16"), ex.Message);
        }
        catch (FormatException ex)
        {
            LogGarbage(remote, peer == 0 ? "unknown" : peer.ToString("x16"), ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away, or we are stopping (or it did not finish the handshake in time).
        }
        catch (Exception ex)
        {
            LogGarbage(remote, peer == 0 ? "unknown" : peer.ToString("x16"), ex.Message);
        }
        finally
        {
            if (reader is not null)
            {
                await reader.CompleteAsync();
            }
            _inbound.TryRemove(socket, out _);
        }
    }

    /// <summary>
    /// The acceptor's side of <see cref="PeerHandshake"/>, within <see cref="HandshakeTimeout"/>: the dialer's
    /// node id once it has proved it holds the secret. Only then is its address learnt.
    /// </summary>
    private async Task<ulong> AuthenticateAsync(NetworkStream stream, string remote)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(HandshakeTimeout);
        var (type, hello) = await Frame.ReadOneAsync(stream, Frame.MaxHelloBytes, timeout.Token);
        if (type != FrameType.Hello)
        {
            throw new FormatException("the first frame is not a handshake");
        }
        var (dialer, dialerNonce, address) = PeerHandshake.ReadHello(hello);
        var nonce = PeerHandshake.NewNonce();
        await stream.WriteAsync(_handshake.Challenge(_self!.Id, dialer, dialerNonce, nonce), timeout.Token);
        var (proofType, proof) = await Frame.ReadOneAsync(stream, Frame.MaxHelloBytes, timeout.Token);
        if (proofType != FrameType.Hello || !_handshake.Verify(proof, dialer, dialerNonce, _self.Id, nonce))
        {
            throw new PeerAuthenticationException($"wrong proof for node {dialer:x16}: it does not hold this cluster's secret (or one of the two nodes has none)");
        }
        if (address.Length > 0 && dialer != _self.Id)
        {
            _addresses[dialer] = address;
        }
        LogAuthenticated(remote, dialer.ToString("x16"));
        return dialer;
    }

    /// <summary>Connections refused since start because the peer failed the handshake.</summary>
    public long RefusedPeers => Interlocked.Read(ref _refusedPeers);

    private async Task AnswerAsync(NetworkStream stream, SemaphoreSlim writeLock, SemaphoreSlim inFlight, ulong peer, ulong id, byte[] payload)
    {
        try
        {
            await AnswerAsync(stream, writeLock, peer, id, payload);
        }
        finally
        {
            inFlight.Release();
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

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Refused a peer connection from {Remote} (claims node {Node}): {Reason}")]
    private partial void LogRefused(string remote, string node, string reason);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Peer connection from {Remote} authenticated as node {Node}")]
    private partial void LogAuthenticated(string remote, string node);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "A request from node {Node} failed: {Reason}")]
    private partial void LogRequestFailed(string node, string reason);
}
