using System.Buffers;
using System.Text;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Cairn.Replication;
using Microsoft.Extensions.Logging;

namespace Cairn.Transport;

/// <summary>
/// This node's connection to one peer address: it carries our one-way payloads and requests, and the
/// peer's responses come back on it. Connects lazily, reconnects with exponential back-off (50 ms to
/// 2 s), and keeps at most <see cref="MaxQueuedBytes"/> queued: beyond that, and while disconnected,
/// one-way payloads are dropped (Raft resends) and requests fail at once.
/// </summary>
internal sealed partial class OutboundConnection : IAsyncDisposable
{
    private const long MaxQueuedBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly string _address;
    private readonly MemberInfo _self;
    private readonly PeerHandshake _handshake;
    private readonly ILogger _logger;
    private readonly Channel<Outgoing> _queue = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<ulong, Outgoing> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _queuedBytes;
    private long _nextRequestId;
    private volatile bool _connected;
    private volatile bool _everConnected;

    public OutboundConnection(string address, MemberInfo self, PeerHandshake handshake, ILogger logger)
    {
        _address = address;
        _self = self;
        _handshake = handshake;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public bool Connected => _connected;

    public void SendOneWay(ReadOnlySpan<byte> payload)
    {
        if (!_connected || Interlocked.Read(ref _queuedBytes) + payload.Length > MaxQueuedBytes)
        {
            return;
        }
        Enqueue(new Outgoing(Frame.Build(FrameType.OneWay, 0, payload), null));
    }

    public async Task<byte[]> RequestAsync(byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_connected && _everConnected)
        {
            // The peer went away (it may be a dead leader): say so at once, so the caller can look elsewhere.
            throw new PeerUnavailableException($"not connected to {_address}", sent: false);
        }
        if (!_connected)
        {
            // Give a fresh connection a moment to come up (a join, a first forward).
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(Math.Min(1000, (int)timeout.TotalMilliseconds));
            while (!_connected && !wait.IsCancellationRequested)
            {
                await Task.Delay(10, CancellationToken.None);
            }
            if (!_connected)
            {
                throw new PeerUnavailableException($"not connected to {_address}", sent: false);
            }
        }
        var id = Interlocked.Increment(ref _nextRequestId);
        var request = new Outgoing(Frame.Build(FrameType.Request, (ulong)id, payload), new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[(ulong)id] = request;
        Enqueue(request);
        try
        {
            return await request.Completion!.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new PeerUnavailableException($"no response from {_address} within {(long)timeout.TotalMilliseconds} ms");
        }
        finally
        {
            _pending.TryRemove((ulong)id, out _);
        }
    }

    private void Enqueue(Outgoing outgoing)
    {
        Interlocked.Add(ref _queuedBytes, outgoing.Frame.Length);
        _queue.Writer.TryWrite(outgoing);
    }

    /// <summary>A frame waiting to go out; for a request, its completion and whether it was handed to the socket.</summary>
    private sealed class Outgoing(byte[] frame, TaskCompletionSource<byte[]>? completion)
    {
        public byte[] Frame { get; } = frame;

        public TaskCompletionSource<byte[]>? Completion { get; } = completion;

        public volatile bool Written;
    }

    private async Task RunAsync()
    {
        var backoff = MinBackoff;
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                var (host, port) = Addresses.Split(_address);
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(host, port, connectTimeout.Token);
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                await AuthenticateAsync(stream);
                if (failures > 0)
                {
                    LogReconnected(_address, failures);
                }
                failures = 0;
                backoff = MinBackoff;
                _connected = true;
                _everConnected = true;
                using var session = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var reading = ReadResponsesAsync(stream, session.Token);
                var writing = WriteFramesAsync(stream, session.Token);
                await Task.WhenAny(reading, writing);
                session.Cancel();
                await Task.WhenAll(reading.ContinueWith(_ => { }), writing.ContinueWith(_ => { }));
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or FormatException or ArgumentException or PeerAuthenticationException)
            {
                if (!_stop.IsCancellationRequested && failures++ == 0)
                {
                    LogConnectionFailed(_address, ex.Message);
                }
            }
            _connected = false;
            FailPending($"connection to {_address} lost");
            DrainQueue();
            if (_stop.IsCancellationRequested)
            {
                break;
            }
            try
            {
                await Task.Delay(backoff, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    /// <summary>The dialer's side of <see cref="PeerHandshake"/>: nothing else is sent until the peer has proved itself and been answered.</summary>
    private async Task AuthenticateAsync(NetworkStream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var nonce = PeerHandshake.NewNonce();
        await stream.WriteAsync(PeerHandshake.Hello(_self.Id, _self.RaftAddress, nonce), timeout.Token);
        var (type, challenge) = await Frame.ReadOneAsync(stream, Frame.MaxHelloBytes, timeout.Token);
        if (type != FrameType.Hello)
        {
            throw new FormatException("the peer did not answer the handshake");
        }
        await stream.WriteAsync(_handshake.Answer(challenge, _self.Id, nonce), timeout.Token);
    }

    private async Task WriteFramesAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var batch = new List<Outgoing>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            buffer.SetLength(0);
            batch.Clear();
            while (buffer.Length < 1024 * 1024 && reader.TryRead(out var outgoing))
            {
                Interlocked.Add(ref _queuedBytes, -outgoing.Frame.Length);
                buffer.Write(outgoing.Frame);
                batch.Add(outgoing);
            }
            // From here on a request may reach the peer even if the connection then fails.
            batch.ForEach(o => o.Written = true);
            await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        }
    }

    private async Task ReadResponsesAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                while (Frame.TryRead(ref buffer, Frame.MaxFrameBytes, out var type, out var id, out var payload))
                {
                    if (_pending.TryRemove(id, out var request) && request.Completion is { } completion)
                    {
                        if (type == FrameType.Response)
                        {
                            completion.TrySetResult(payload.ToArray());
                        }
                        else
                        {
                            completion.TrySetException(new PeerUnavailableException($"{_address} could not handle the request: {Encoding.UTF8.GetString(payload)}"));
                        }
                    }
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private void FailPending(string reason)
    {
        foreach (var (id, request) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                request.Completion!.TrySetException(new PeerUnavailableException(reason, sent: request.Written));
            }
        }
    }

    private void DrainQueue()
    {
        while (_queue.Reader.TryRead(out var outgoing))
        {
            Interlocked.Add(ref _queuedBytes, -outgoing.Frame.Length);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        FailPending("shutting down");
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Cannot reach peer {Address}: {Reason}; retrying with back-off")]
    private partial void LogConnectionFailed(string address, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Reconnected to peer {Address} after {Failures} failed attempts")]
    private partial void LogReconnected(string address, int failures);
}
