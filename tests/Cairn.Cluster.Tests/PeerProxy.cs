using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Cluster.Tests;

/// <summary>
/// A TCP proxy in front of one node's peer port. Every peer connection opens with a handshake naming
/// the dialer's Raft id, so the proxy knows each connection's direction (dialer → this node) and can
/// cut chosen directions: a partition without touching the processes.
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

    public void Heal()
    {
        _isolated = false;
        _blocked.Clear();
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

    private async Task PumpAsync(Socket from, Socket to)
    {
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
                await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception)
        {
            // Closed by a partition, the peer, or shutdown.
        }
        from.Dispose();
        to.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CloseWhere(_ => true);
        await _accepting;
    }
}
