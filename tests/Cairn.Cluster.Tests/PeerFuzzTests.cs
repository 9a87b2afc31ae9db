using System.Net.Sockets;
using System.Text;
using Cairn.Raft;
using Cairn.Replication;
using Cairn.Replication.Wire;
using Cairn.StateMachine.Wire;
using Cairn.StateMachine;

namespace Cairn.Cluster.Tests;

/// <summary>
/// A seeded fuzzer for the peer port of a real node: before the handshake (garbage, huge lengths, wrong frame types,
/// broken hellos, wrong proofs) and after it, as a peer holding the secret (undecodable payloads, Raft batches in
/// another node's name, forwarded commands with random ops of every family and operands, unknown request kinds, frames a dialer
/// never sends). The node may refuse or drop a connection, never stop: after every connection it still answers
/// clients and takes writes, and its log has no fatal error. <c>CAIRN_FUZZ_FRAMES</c> and <c>CAIRN_FUZZ_SEED</c>
/// as for the RESP fuzzer.
/// </summary>
public sealed class PeerFuzzTests : IDisposable
{
    private const string Secret = "peer-fuzz-secret-0123456789abcdef";
    private readonly string _secretFile = Path.GetTempFileName();

    public PeerFuzzTests() => File.WriteAllText(_secretFile, Secret);

    public void Dispose() => File.Delete(_secretFile);

    public static TheoryData<int> Seeds => Environment.GetEnvironmentVariable("CAIRN_FUZZ_SEED") is { } seed
        ? new TheoryData<int> { int.Parse(seed) }
        : new TheoryData<int> { 1, 2 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task HostilePeerFramesNeverStopTheNode(int seed)
    {
        var frames = int.TryParse(Environment.GetEnvironmentVariable("CAIRN_FUZZ_FRAMES"), out var n) ? Math.Max(100, n / 10) : 600;
        await using var server = await ServerProcess.StartAsync(args: ["--raft-addr", "127.0.0.1:0", "--cluster-secret-file", _secretFile]);
        var peerPort = int.Parse(System.Text.RegularExpressions.Regex.Match(server.Output, @"listening for peers on [^:]+:(\d+)").Groups[1].Value);
        var random = new Random(seed);
        var sent = 0;
        for (var connection = 0; sent < frames; connection++)
        {
            var authenticated = random.Next(3) != 0;
            var batch = Enumerable.Range(0, random.Next(1, 20)).Select(_ => authenticated ? AfterHandshake(random) : BeforeHandshake(random)).ToList();
            sent += batch.Count;
            using (var socket = await PeerWire.ConnectAsync(peerPort))
            {
                try
                {
                    if (authenticated)
                    {
                        Assert.True(await PeerWire.AuthenticateAsync(socket, (ulong)random.NextInt64(1, long.MaxValue), Encoding.UTF8.GetBytes(Secret)));
                    }
                    foreach (var frame in batch)
                    {
                        await socket.SendAsync(frame);
                    }
                    socket.Shutdown(SocketShutdown.Send);
                    using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    var buffer = new byte[4096];
                    while (await socket.ReceiveAsync(buffer, quiet.Token) > 0)
                    {
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
                {
                    // Dropped by the node: an answer.
                }
            }
            using var client = new RawClient(server.Port);
            var alive = client.Call("SET", "alive", connection.ToString());
            Assert.True(alive == "+OK", $"seed {seed}: no write after peer connection {connection} ({alive})\n{server.Output}");
        }
        Assert.False(server.Process.HasExited);
        Assert.DoesNotContain("cannot go on", server.Output);
        Assert.DoesNotContain("Unhandled exception", server.Output);
    }

    private static byte[] BeforeHandshake(Random random) => random.Next(6) switch
    {
        0 => RandomBytes(random, random.Next(1, 300)),
        1 => PeerWire.Frame((byte)random.Next(0, 8), RandomBytes(random, random.Next(0, 100))),
        2 => [.. BitConverter.GetBytes((uint)random.Next()), 1, .. RandomBytes(random, 10)],
        3 => Mutate(PeerWire.Hello((ulong)random.NextInt64(), "127.0.0.1:1"), random),
        4 => PeerWire.Frame(1, RandomBytes(random, 32)),
        _ => PeerWire.Request((ulong)random.NextInt64(), RandomBytes(random, random.Next(0, 64))),
    };

    private static byte[] AfterHandshake(Random random) => random.Next(10) switch
    {
        9 => PeerWire.Request((ulong)random.NextInt64(), random.Next(2) == 0
            ? ForwardSession(random)
            : Mutate(PeerPayload.ForwardSession([new ForwardedWrite(new KvCommand(KvOp.IncrBy, [[1]], 1), new SessionStamp(5, 1, 1, 0))]), random)),
        7 => PeerWire.Request((ulong)random.NextInt64(), random.Next(2) == 0
            ? ForwardBatch(random)
            : Mutate(PeerPayload.ForwardBatch([new KvCommand(KvOp.Set, [[1], [2]]), new KvCommand(KvOp.Del, [[1]])]), random)),
        8 => PeerWire.Request((ulong)random.NextInt64(), random.Next(2) == 0 ? PeerPayload.DigestAt((ulong)random.Next(0, 40)) : Mutate(PeerPayload.DigestAt(3), random)),
        0 => PeerWire.Frame(2, RandomBytes(random, random.Next(0, 200))),
        1 => PeerWire.Frame(2, Raft(random)),
        2 => PeerWire.Request((ulong)random.NextInt64(), [(byte)PeerPayloadKind.Forward, (byte)random.Next(2), .. Command(random)]),
        3 => PeerWire.Request((ulong)random.NextInt64(), [(byte)random.Next(0, 10), (byte)random.Next(3), .. RandomBytes(random, random.Next(0, 80))]),
        4 => PeerWire.Request((ulong)random.NextInt64(), Mutate(PeerPayload.Forward(new KvCommand(KvOp.Set, [[1], [2]])), random)),
        5 => PeerWire.Frame((byte)random.Next(4, 8), RandomBytes(random, random.Next(0, 40))),
        _ => Mutate(PeerWire.Frame(2, Raft(random)), random),
    };

    /// <summary>A batch of forwarded commands as a follower frames it, the commands as random as <see cref="Command"/> makes them.</summary>
    private static byte[] ForwardBatch(Random random)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.ForwardBatch);
        writer.U8(0);
        var count = random.Next(0, 5);
        writer.U32((uint)count);
        for (var i = 0; i < count; i++)
        {
            writer.Bytes(Command(random));
        }
        return writer.ToArray();
    }

    /// <summary>
    /// A follower's writes in a forwarding session: a few session ids (so numbers meet: duplicates, gaps, first writes,
    /// closed predecessors), random numbers and answered floors, commands as random as <see cref="Command"/> makes them.
    /// </summary>
    private static byte[] ForwardSession(Random random)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.ForwardSession);
        writer.U8((byte)random.Next(2));
        writer.U64((ulong)random.Next(0, 4));
        writer.U64((ulong)random.Next(0, 4));
        writer.U64((ulong)random.Next(0, 6));
        var count = random.Next(0, 5);
        writer.U32((uint)count);
        for (var i = 0; i < count; i++)
        {
            writer.U64((ulong)random.Next(0, 6));
            writer.Bytes(Command(random));
        }
        return writer.ToArray();
    }

    /// <summary>A well-formed batch of Raft messages, each in another node's name (so the node must drop it).</summary>
    private static byte[] Raft(Random random)
    {
        var messages = Enumerable.Range(0, random.Next(1, 4)).Select(_ => new Message
        {
            GroupId = 1,
            Type = (MessageType)random.Next(0, 20),
            From = (ulong)random.NextInt64(1, long.MaxValue),
            To = (ulong)random.NextInt64(),
            Term = (ulong)random.NextInt64(0, 1000),
            Index = (ulong)random.NextInt64(0, 1000),
            Commit = (ulong)random.NextInt64(0, 1000),
        }).ToList();
        return PeerPayload.RaftMessages(messages, new WireWriter());
    }

    /// <summary>
    /// A forwarded command: any op (or none) of any family (known or not), any operand count and numbers, encoded as a
    /// follower would. The first operand is often one of a few keys, so that forwarded writes build collections of
    /// every type and later ones meet them (another type's ops, pops, stores, renames).
    /// </summary>
    private static byte[] Command(Random random)
    {
        var args = Enumerable.Range(0, random.Next(0, 6)).Select(_ => RandomBytes(random, random.Next(0, 16))).ToArray();
        if (args.Length > 0 && random.Next(2) == 0)
        {
            args[0] = [(byte)('a' + random.Next(4))];
        }
        if (args.Length > 1 && random.Next(3) == 0)
        {
            args[1] = random.Next(2) == 0 ? [(byte)('a' + random.Next(4))] : Encoding.ASCII.GetBytes($"{random.Next(-3, 10)}");
        }
        var op = random.Next(3) == 0 ? (KvOp)random.Next(0, 100) : KvOps.Of((KvFamily)random.Next(1, 7), (byte)random.Next(0, 64));
        long[] extremes = [0, -1, long.MaxValue, long.MinValue, 536870912];
        var command = new KvCommand(op, args, extremes[random.Next(extremes.Length)], random.NextInt64(), (KvFlags)random.Next(0, 1 << 13), random.NextDouble());
        return KvCommandCodec.Encode(command, random.NextInt64());
    }

    private static byte[] Mutate(byte[] frame, Random random)
    {
        var bytes = frame.ToArray();
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }
        return random.Next(4) == 0 ? bytes[..random.Next(bytes.Length)] : bytes;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
