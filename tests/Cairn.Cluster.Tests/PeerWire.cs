using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Cluster.Tests;

/// <summary>
/// The peer port's wire, written out by hand as a stranger would (docs/operations.md "Peer authentication"):
/// frames are length (u32) | type (u8) | [request id (u64)] | body; the handshake is Hello, Challenge, Proof.
/// </summary>
public static class PeerWire
{
    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        return socket;
    }

    /// <summary>A frame as peers send them: length (u32) | type (u8) | body.</summary>
    public static byte[] Frame(byte type, byte[] body)
    {
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(1 + body.Length));
        frame[4] = type;
        body.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Request(ulong id, byte[] payload)
    {
        var body = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(body, id);
        payload.CopyTo(body, 8);
        return Frame(3, body);
    }

    /// <summary>The handshake's first frame: magic | version 2 | node id | nonce (32) | address.</summary>
    public static byte[] Hello(ulong nodeId, string address)
    {
        var text = Encoding.UTF8.GetBytes(address);
        var body = new byte[4 + 1 + 8 + 32 + 4 + text.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(body, 0x4E524143);
        body[4] = 2;
        BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(5), nodeId);
        RandomNumberGenerator.GetBytes(32).CopyTo(body, 13);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(45), text.Length);
        text.CopyTo(body, 49);
        return Frame(1, body);
    }

    /// <summary>One frame's type and body.</summary>
    public static async Task<byte[]> ReadFrameAsync(Socket socket)
    {
        var header = new byte[4];
        await ReceiveExactlyAsync(socket, header);
        var body = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header)];
        await ReceiveExactlyAsync(socket, body);
        return body;
    }

    public static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var read = 0; read < buffer.Length;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), timeout.Token);
            Assert.True(n > 0, "the node closed the connection early");
            read += n;
        }
    }

    public static async Task SendQuietlyAsync(Socket socket, byte[] frame)
    {
        try
        {
            await socket.SendAsync(frame);
        }
        catch (SocketException)
        {
            // Already closed by the node: what the test wants.
        }
    }

    /// <summary>Whether the node closes the connection (within the handshake timeout and a margin) without answering.</summary>
    public static async Task<bool> ClosedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    return true;
                }
                if (buffer[4] != 1)
                {
                    return false;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Completes the handshake as node <paramref name="nodeId"/> holding <paramref name="secret"/> (empty: none);
    /// false when the node's challenge shows it holds another secret.
    /// </summary>
    public static async Task<bool> AuthenticateAsync(Socket socket, ulong nodeId, byte[] secret)
    {
        var hello = Hello(nodeId, "127.0.0.1:1");
        var dialerNonce = hello.AsSpan(5 + 13, 32).ToArray();
        await socket.SendAsync(hello);
        var challenge = await ReadFrameAsync(socket);
        var acceptorId = BinaryPrimitives.ReadUInt64LittleEndian(challenge.AsSpan(1 + 5));
        var acceptorNonce = challenge.AsSpan(1 + 13, 32).ToArray();
        if (!Proof("cairn-peer-acceptor", secret, dialerNonce, acceptorNonce, nodeId, acceptorId).AsSpan().SequenceEqual(challenge.AsSpan(1 + 45, 32)))
        {
            return false;
        }
        await socket.SendAsync(Frame(1, Proof("cairn-peer-dialer", secret, dialerNonce, acceptorNonce, nodeId, acceptorId)));
        return true;
    }

    private static byte[] Proof(string label, byte[] secret, byte[] dialerNonce, byte[] acceptorNonce, ulong dialer, ulong acceptor)
    {
        var input = new byte[label.Length + 64 + 16];
        Encoding.ASCII.GetBytes(label).CopyTo(input, 0);
        dialerNonce.CopyTo(input, label.Length);
        acceptorNonce.CopyTo(input, label.Length + 32);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(label.Length + 64), dialer);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(label.Length + 72), acceptor);
        return HMACSHA256.HashData(secret, input);
    }
}
