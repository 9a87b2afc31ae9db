using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// The peer port trusts only nodes that prove they hold the cluster secret. A rogue process on the network (here:
/// loopback, which a cluster with a secret does not treat specially) tries what the audit found it could do
/// before: claim a member's id, redirect traffic, change membership, write; the cluster keeps serving throughout.
/// </summary>
public sealed class PeerSecurityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-secret-" + Guid.NewGuid().ToString("N"));

    public PeerSecurityTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string SecretFile(string name)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) + "\n");
        return path;
    }

    [Fact]
    public async Task PeersWithoutTheSecretCannotSpeakForAMemberJoinOrWrite()
    {
        await using var cluster = await LocalCluster.StartAsync(3, new Dictionary<string, string> { ["CAIRN_CLUSTER_SECRET_FILE"] = SecretFile("cluster.secret") });
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        var peerPort = leader.Proxy.TargetPort;

        // 1. Claims the follower's id and a rogue address, answers the challenge with a guess, then sends a
        //    membership change (AddNode, "forwarded") and a Raft message: the node closes the connection first.
        using (var rogue = await ConnectAsync(peerPort))
        {
            await rogue.SendAsync(Hello(follower.RaftId, "127.0.0.1:1"));
            var challenge = await ReadFrameAsync(rogue);
            Assert.Equal(1, challenge[0]);
            await rogue.SendAsync(Frame(1, RandomNumberGenerator.GetBytes(32)));
            await SendQuietlyAsync(rogue, Request(7, [3, 1, .. RandomNumberGenerator.GetBytes(40)]));
            Assert.True(await ClosedAsync(rogue), "the node kept a connection whose proof was wrong");
        }
        // 2. Skips the handshake: a forwarded write as the first frame.
        using (var rogue = await ConnectAsync(peerPort))
        {
            await rogue.SendAsync(Request(1, [1, 0, .. RandomNumberGenerator.GetBytes(48)]));
            Assert.True(await ClosedAsync(rogue), "the node took a request before any handshake");
        }
        await Poll.UntilAsync(() => Task.FromResult(leader.Server!.Output.Contains("Refused a peer connection", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the refusal in the leader's log");

        // 3. Nodes started with another secret, or none, try to join through every member: refused, never members.
        foreach (var secret in new[] { SecretFile("other.secret"), null })
        {
            var name = secret is null ? "stranger-without-secret" : "stranger-with-another-secret";
            var stranger = ServerProcess.Launch(Path.Combine(_directory, name),
                ["--node-id", name, "--raft-addr", "127.0.0.1:0", "--join", string.Join(",", cluster.Nodes.Select(n => n.RaftAddress))],
                secret is null ? null : new Dictionary<string, string> { ["CAIRN_CLUSTER_SECRET_FILE"] = secret });
            await using (stranger)
            {
                await stranger.WaitForReadyAsync();
                await Poll.UntilAsync(() => Task.FromResult(stranger.Output.Contains("Could not join the cluster yet", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the stranger's failed join");
                Assert.Contains("does not hold this cluster's secret", stranger.Output);
            }
        }

        // The cluster kept its members, its address book (writes through a follower reach the leader) and its data.
        var info = (await leader.TryRaftInfoAsync())!;
        Assert.Equal("3", info["num_voting_nodes"]);
        Assert.Equal("3", info["num_nodes"]);
        Assert.True(await follower.Db.StringSetAsync("after-rogues", "ok"));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal("ok", (string?)await node.Db.StringGetAsync("after-rogues"));
            Assert.DoesNotContain("stranger", (await node.Db.ExecuteAsync("RAFT.INFO")).ToString());
        }
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        return socket;
    }

    /// <summary>A frame as peers send them: length (u32) | type (u8) | body.</summary>
    private static byte[] Frame(byte type, byte[] body)
    {
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(1 + body.Length));
        frame[4] = type;
        body.CopyTo(frame, 5);
        return frame;
    }

    private static byte[] Request(ulong id, byte[] payload)
    {
        var body = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(body, id);
        payload.CopyTo(body, 8);
        return Frame(3, body);
    }

    /// <summary>The handshake's first frame: magic | version 2 | node id | nonce (32) | address.</summary>
    private static byte[] Hello(ulong nodeId, string address)
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
    private static async Task<byte[]> ReadFrameAsync(Socket socket)
    {
        var header = new byte[4];
        await ReceiveExactlyAsync(socket, header);
        var body = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header)];
        await ReceiveExactlyAsync(socket, body);
        return body;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var read = 0; read < buffer.Length;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), timeout.Token);
            Assert.True(n > 0, "the node closed the connection early");
            read += n;
        }
    }

    private static async Task SendQuietlyAsync(Socket socket, byte[] frame)
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
    private static async Task<bool> ClosedAsync(Socket socket)
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
}
