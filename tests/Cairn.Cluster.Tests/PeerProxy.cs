using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Cluster.Tests;

/// <summary>
/// A TCP proxy in front of one node's peer port. Every peer connection opens with a handshake naming
/// the dialer's Raft id, so the proxy knows each connection's direction (dialer → this node) and can
/// cut chosen directions: a partition without touching the processes. It can also delay everything it
/// forwards (<see cref="Delay"/>: added latency, throughput kept) and drop its live connections.
/// </summary>
public sealed class PeerProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<(Socket, Socket), ulong> _links = new();
    private readonly ConcurrentDictionary<ulong, byte> _blocked = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _isolated;

    public PeerProxy(ulong target)
    {
        Target = target;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The Raft id of the node behind this proxy.</summary>
    public ulong Target { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Where the node's peer port really is (it changes when the node restarts).</summary>
    public int TargetPort { get; set; }

    /// <summary>Drops connections from every dialer to this node, and refuses new ones.</summary>
    public void Isolate()
    {
        _isolated = true;
        CloseWhere(_ => true);
    }

    /// <summary>Drops connections from <paramref name="dialer"/>, and refuses new ones.</summary>
    public void Block(ulong dialer)
    {
        _blocked[dialer] = 0;
        CloseWhere(id => id == dialer);
    }

    /// <summary>Added one-way latency: each chunk is forwarded this long after it arrived (zero: none).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Closes every live connection through this proxy; new ones are let through (the nodes redial).</summary>
    public void DropConnections() => CloseWhere(_ => true);

    public void Heal()
    {
        _isolated = false;
        _blocked.Clear();
        Delay = TimeSpan.Zero;
    }

    private void CloseWhere(Func<ulong, bool> match)
    {
        foreach (var ((inbound, outbound), dialer) in _links)
        {
            if (match(dialer))
            {
                inbound.Dispose();
                outbound.Dispose();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket inbound;
            try
            {
                inbound = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(inbound));
        }
    }

    private async Task ServeAsync(Socket inbound)
    {
        using var inboundScope = inbound;
        // The handshake: length (4) | type (1) | magic (4) | version (1) | node id (8) | ...
        var head = new byte[18];
        try
        {
            var read = 0;
            while (read < head.Length)
            {
                var n = await inbound.ReceiveAsync(head.AsMemory(read), _stop.Token);
                if (n == 0)
                {
                    return;
                }
                read += n;
            }
        }
        catch (Exception)
        {
            return;
        }
        var dialer = BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(10));
        if (_isolated || _blocked.ContainsKey(dialer) || TargetPort == 0)
        {
            return;
        }
        using var outbound = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, TargetPort, _stop.Token);
            await outbound.SendAsync(head, _stop.Token);
        }
        catch (Exception)
        {
            return;
        }
        _links[(inbound, outbound)] = dialer;
        try
        {
            await Task.WhenAny(PumpAsync(inbound, outbound), PumpAsync(outbound, inbound));
        }
        finally
        {
            _links.TryRemove((inbound, outbound), out _);
        }
    }

    /// <summary>
    /// Copies one direction. Chunks pass through a queue stamped with their arrival, and the sender holds each
    /// until <see cref="Delay"/> after it: latency is added without cutting throughput.
    /// </summary>
    private async Task PumpAsync(Socket from, Socket to)
    {
        var queue = System.Threading.Channels.Channel.CreateUnbounded<(byte[] Data, long Arrived)>(new() { SingleReader = true, SingleWriter = true });
        var sending = Task.Run(async () =>
        {
            try
            {
                await foreach (var (data, arrived) in queue.Reader.ReadAllAsync(_stop.Token))
                {
                    var wait = Delay - System.Diagnostics.Stopwatch.GetElapsedTime(arrived);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _stop.Token);
                    }
                    await to.SendAsync(data, _stop.Token);
                }
            }
            catch (Exception)
            {
                // Closed by a partition, a drop, the peer, or shutdown.
            }
            from.Dispose();
            to.Dispose();
        });
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }
                queue.Writer.TryWrite((buffer.AsSpan(0, n).ToArray(), System.Diagnostics.Stopwatch.GetTimestamp()));
            }
        }
        catch (Exception)
        {
            // Closed by a partition, a drop, the peer, or shutdown.
        }
        queue.Writer.TryComplete();
        await sending;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CloseWhere(_ => true);
        await _accepting;
    }
}
