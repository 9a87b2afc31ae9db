using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cairn.Transport;

internal enum FrameType : byte
{
    /// <summary>The handshake's frames (<see cref="PeerHandshake"/>): the only ones accepted before it completes.</summary>
    Hello = 1,
    OneWay = 2,
    Request = 3,
    Response = 4,

    /// <summary>A request the receiver could not handle (bad payload, handler failure): the text says why.</summary>
    Failure = 5,
}

/// <summary>
/// Frames on the peer port: length (u32, of what follows) | type (u8) | [request id (u64)] | payload.
/// Little-endian. Until the handshake completes, frames larger than <see cref="MaxHelloBytes"/> are refused,
/// so garbage cannot make a node wait for (or buffer) a huge declared length.
/// </summary>
internal static class Frame
{
    public const uint Magic = 0x4E524143; // "CARN"
    public const int MaxHelloBytes = 1024;
    public const int MaxFrameBytes = 256 * 1024 * 1024;

    public static byte[] Build(FrameType type, ulong requestId, ReadOnlySpan<byte> payload)
    {
        var hasId = type is FrameType.Request or FrameType.Response or FrameType.Failure;
        var frame = new byte[4 + 1 + (hasId ? 8 : 0) + payload.Length];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(frame.Length - 4));
        span[4] = (byte)type;
        if (hasId)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[5..], requestId);
        }
        payload.CopyTo(span[(hasId ? 13 : 5)..]);
        return frame;
    }

    /// <summary>
    /// Takes one complete frame off <paramref name="buffer"/> if there is one. Throws FormatException for a
    /// length over <paramref name="maxBytes"/> or an unknown type.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxBytes, out FrameType type, out ulong requestId, out ReadOnlySequence<byte> payload)
    {
        type = default;
        requestId = 0;
        payload = default;
        if (buffer.Length < 5)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[13];
        buffer.Slice(0, Math.Min(13, buffer.Length)).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length < 1 || length > (uint)maxBytes)
        {
            throw new FormatException($"frame length {length} out of range");
        }
        type = (FrameType)header[4];
        if (type is < FrameType.Hello or > FrameType.Failure)
        {
            throw new FormatException($"unknown frame type {header[4]}");
        }
        var idBytes = type is FrameType.Request or FrameType.Response or FrameType.Failure ? 8 : 0;
        if (length < 1 + idBytes)
        {
            throw new FormatException("frame too short");
        }
        if (buffer.Length < 4 + length)
        {
            return false;
        }
        if (idBytes > 0)
        {
            requestId = BinaryPrimitives.ReadUInt64LittleEndian(header[5..]);
        }
        payload = buffer.Slice(5 + idBytes, length - 1 - idBytes);
        buffer = buffer.Slice(4 + length);
        return true;
    }

    /// <summary>
    /// Reads exactly one frame of at most <paramref name="maxBytes"/> from <paramref name="stream"/> (nothing
    /// beyond it), for the handshake, before a connection's frames are read through a pipe.
    /// </summary>
    public static async Task<(FrameType Type, byte[] Payload)> ReadOneAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length < 1 || length > (uint)maxBytes)
        {
            throw new FormatException($"frame length {length} out of range");
        }
        var type = (FrameType)header[4];
        if (type is < FrameType.Hello or > FrameType.Failure)
        {
            throw new FormatException($"unknown frame type {header[4]}");
        }
        var payload = new byte[length - 1];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return (type, payload);
    }
}
