using System.Buffers.Binary;

namespace Cairn.StateMachine;

/// <summary>Who waits: the node that holds the client (its Raft id), that node's incarnation (one per process start), and the client's token there.</summary>
public readonly record struct BlockOwner(ulong Node, ulong Incarnation, ulong Token)
{
    public const int Length = 24;

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Node);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), Incarnation);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(16), Token);
        return bytes;
    }

    public static BlockOwner From(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64BigEndian(bytes),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]));
}

/// <summary>A blocked client's late reply (served, timed out, unblocked), for the node that holds it; <see cref="InFlight"/> when it must be acknowledged.</summary>
public sealed record UnblockedClient(BlockOwner Owner, KvReply Reply, bool InFlight);
