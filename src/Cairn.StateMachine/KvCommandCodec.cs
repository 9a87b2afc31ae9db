using System.Buffers.Binary;

namespace Cairn.StateMachine;

/// <summary>
/// The log form of a command: version (u8) | timestamp (i64, the proposer's Unix ms: Apply's only
/// clock) | [version 2 only: session, seq, answered, previous (u64 each): the <see cref="SessionStamp"/> of a
/// forwarded write] | op (u8) | flags (u16) | number (i64) | number2 (i64) | float (f64) | argument count (u32) |
/// each argument as length (u32) and bytes. Little-endian. A write without a session is written as version 1.
/// This format is in every replicated log: change it only with a new version number, and keep decoding the old ones.
/// </summary>
public static class KvCommandCodec
{
    private const byte Version = 1;
    private const byte SessionVersion = 2;
    private const int StampSize = 4 * 8;
    private const int FixedSize = 1 + 8 + 1 + 2 + 8 + 8 + 8 + 4;

    public static byte[] Encode(KvCommand command, long timestamp) => Encode(command, timestamp, SessionStamp.None);

    public static byte[] Encode(KvCommand command, long timestamp, SessionStamp stamp)
    {
        var stampSize = stamp.IsNone ? 0 : StampSize;
        var size = FixedSize + stampSize;
        foreach (var arg in command.Args)
        {
            size += 4 + arg.Length;
        }
        var data = new byte[size];
        var span = data.AsSpan();
        span[0] = stamp.IsNone ? Version : SessionVersion;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], timestamp);
        if (!stamp.IsNone)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[9..], stamp.Session);
            BinaryPrimitives.WriteUInt64LittleEndian(span[17..], stamp.Seq);
            BinaryPrimitives.WriteUInt64LittleEndian(span[25..], stamp.Answered);
            BinaryPrimitives.WriteUInt64LittleEndian(span[33..], stamp.Previous);
            span = span[StampSize..];
        }
        span[9] = (byte)command.Op;
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], (ushort)command.Flags);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], command.Number);
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], command.Number2);
        BinaryPrimitives.WriteDoubleLittleEndian(span[28..], command.Float);
        BinaryPrimitives.WriteInt32LittleEndian(span[36..], command.Args.Length);
        var at = FixedSize;
        foreach (var arg in command.Args)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], arg.Length);
            arg.CopyTo(span[(at + 4)..]);
            at += 4 + arg.Length;
        }
        return data;
    }

    /// <summary>Decodes a command and its timestamp; <see cref="FormatException"/> for anything malformed (bytes from a peer are not trusted).</summary>
    public static KvCommand Decode(ReadOnlySpan<byte> data, out long timestamp) => Decode(data, out timestamp, out _);

    /// <summary>Decodes a command, its timestamp and its session stamp (<see cref="SessionStamp.None"/> in a version 1 entry).</summary>
    public static KvCommand Decode(ReadOnlySpan<byte> data, out long timestamp, out SessionStamp stamp)
    {
        if (data.Length < FixedSize || data[0] is not (Version or SessionVersion))
        {
            throw new FormatException("not a Cairn command (unknown version or too short)");
        }
        timestamp = BinaryPrimitives.ReadInt64LittleEndian(data[1..]);
        stamp = SessionStamp.None;
        if (data[0] == SessionVersion)
        {
            if (data.Length < FixedSize + StampSize)
            {
                throw new FormatException("not a Cairn command (too short for its session)");
            }
            stamp = new SessionStamp(
                BinaryPrimitives.ReadUInt64LittleEndian(data[9..]), BinaryPrimitives.ReadUInt64LittleEndian(data[17..]),
                BinaryPrimitives.ReadUInt64LittleEndian(data[25..]), BinaryPrimitives.ReadUInt64LittleEndian(data[33..]));
            if (stamp.IsNone || stamp.Seq == 0)
            {
                throw new FormatException("a session entry needs a session id and a sequence number");
            }
            // The rest is laid out as in version 1 (with the version and timestamp in front).
            data = data[StampSize..];
        }
        var op = (KvOp)data[9];
        if (!Enum.IsDefined(op))
        {
            throw new FormatException($"unknown command op {data[9]}");
        }
        var flags = (KvFlags)BinaryPrimitives.ReadUInt16LittleEndian(data[10..]);
        var number = BinaryPrimitives.ReadInt64LittleEndian(data[12..]);
        var number2 = BinaryPrimitives.ReadInt64LittleEndian(data[20..]);
        var @float = BinaryPrimitives.ReadDoubleLittleEndian(data[28..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(data[36..]);
        // Each argument needs at least its 4-byte length: a huge count cannot make us allocate.
        if (count < 0 || count > (data.Length - FixedSize) / 4)
        {
            throw new FormatException($"argument count {count} does not fit the command");
        }
        var args = new byte[count][];
        var at = FixedSize;
        for (var i = 0; i < count; i++)
        {
            if (at + 4 > data.Length)
            {
                throw new FormatException("command is truncated");
            }
            var length = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
            if (length < 0 || length > data.Length - at - 4)
            {
                throw new FormatException($"argument {i} length {length} does not fit the command");
            }
            args[i] = data.Slice(at + 4, length).ToArray();
            at += 4 + length;
        }
        if (at != data.Length)
        {
            throw new FormatException("trailing bytes after the command");
        }
        return new KvCommand(op, args, number, number2, flags, @float);
    }
}
