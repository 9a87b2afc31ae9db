using System.Buffers.Binary;

namespace Cairn.StateMachine;

/// <summary>
/// The log form of a command, little-endian. Version 1: version (u8) | timestamp (i64, the proposer's Unix ms:
/// Apply's only clock) | op (u8) | flags (u16) | number (i64) | number2 (i64) | float (f64) | argument count (u32)
/// | each argument as length (u32) and bytes. Version 2: as version 1 with the <see cref="SessionStamp"/> of a
/// forwarded write (session, seq, answered, previous: u64 each) after the timestamp. Version 3: version (u8) |
/// timestamp (i64) | stamped (u8, 0 or 1) | [the stamp, when stamped] | family (u8) | op (u8) | flags (u32) |
/// number | number2 | float | arguments as in version 1. A core op whose flags fit 16 bits is written as version
/// 1 or 2, so its bytes are what earlier builds wrote and read; any other command as version 3. This format is
/// in every replicated log: change it only with a new version number, and keep decoding the old ones.
/// </summary>
public static class KvCommandCodec
{
    private const byte Version = 1;
    private const byte SessionVersion = 2;
    private const byte FamilyVersion = 3;
    private const int StampSize = 4 * 8;

    // After version and timestamp: op, flags (u16) in versions 1-2; stamped, family, op, flags (u32) in version 3.
    private const int Head = 1 + 8;
    private const int Tail = 8 + 8 + 8 + 4;

    public static byte[] Encode(KvCommand command, long timestamp) => Encode(command, timestamp, SessionStamp.None);

    public static byte[] Encode(KvCommand command, long timestamp, SessionStamp stamp)
    {
        var v3 = command.Op.Family() != KvFamily.Core || (uint)command.Flags > ushort.MaxValue;
        var size = Head + (v3 ? 1 + 2 + 4 : 1 + 2) + (stamp.IsNone ? 0 : StampSize) + Tail;
        foreach (var arg in command.Args)
        {
            size += 4 + arg.Length;
        }
        var data = new byte[size];
        var span = data.AsSpan();
        span[0] = v3 ? FamilyVersion : stamp.IsNone ? Version : SessionVersion;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], timestamp);
        var at = Head;
        if (v3)
        {
            span[at++] = stamp.IsNone ? (byte)0 : (byte)1;
        }
        if (!stamp.IsNone)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[at..], stamp.Session);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(at + 8)..], stamp.Seq);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(at + 16)..], stamp.Answered);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(at + 24)..], stamp.Previous);
            at += StampSize;
        }
        if (v3)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)command.Op);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 2)..], (uint)command.Flags);
            at += 6;
        }
        else
        {
            span[at] = command.Op.Low();
            BinaryPrimitives.WriteUInt16LittleEndian(span[(at + 1)..], (ushort)command.Flags);
            at += 3;
        }
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], command.Number);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], command.Number2);
        BinaryPrimitives.WriteDoubleLittleEndian(span[(at + 16)..], command.Float);
        BinaryPrimitives.WriteInt32LittleEndian(span[(at + 24)..], command.Args.Length);
        at += Tail;
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

    /// <summary>Decodes a command, its timestamp and its session stamp (<see cref="SessionStamp.None"/> when it has none).</summary>
    public static KvCommand Decode(ReadOnlySpan<byte> data, out long timestamp, out SessionStamp stamp)
    {
        if (data.Length < Head + 3 + Tail || data[0] is not (Version or SessionVersion or FamilyVersion))
        {
            throw new FormatException("not a Cairn command (unknown version or too short)");
        }
        var version = data[0];
        timestamp = BinaryPrimitives.ReadInt64LittleEndian(data[1..]);
        stamp = SessionStamp.None;
        var at = Head;
        var stamped = version == SessionVersion;
        if (version == FamilyVersion)
        {
            if (data[at] > 1)
            {
                throw new FormatException("a version 3 command is stamped (1) or not (0)");
            }
            stamped = data[at++] == 1;
        }
        if (stamped)
        {
            if (data.Length < at + StampSize + 3 + Tail)
            {
                throw new FormatException("not a Cairn command (too short for its session)");
            }
            stamp = new SessionStamp(
                BinaryPrimitives.ReadUInt64LittleEndian(data[at..]), BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 8)..]),
                BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 16)..]), BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 24)..]));
            if (stamp.IsNone || stamp.Seq == 0)
            {
                throw new FormatException("a session entry needs a session id and a sequence number");
            }
            at += StampSize;
        }
        KvOp op;
        KvFlags flags;
        if (version == FamilyVersion)
        {
            if (data.Length < at + 6 + Tail)
            {
                throw new FormatException("not a Cairn command (too short)");
            }
            op = (KvOp)BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
            flags = (KvFlags)BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 2)..]);
            at += 6;
        }
        else
        {
            op = (KvOp)data[at];
            flags = (KvFlags)BinaryPrimitives.ReadUInt16LittleEndian(data[(at + 1)..]);
            at += 3;
        }
        if (!op.IsKnown())
        {
            throw new FormatException($"unknown command op {(ushort)op:x4}");
        }
        var number = BinaryPrimitives.ReadInt64LittleEndian(data[at..]);
        var number2 = BinaryPrimitives.ReadInt64LittleEndian(data[(at + 8)..]);
        var @float = BinaryPrimitives.ReadDoubleLittleEndian(data[(at + 16)..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(data[(at + 24)..]);
        at += Tail;
        // Each argument needs at least its 4-byte length: a huge count cannot make us allocate.
        if (count < 0 || count > (data.Length - at) / 4)
        {
            throw new FormatException($"argument count {count} does not fit the command");
        }
        var args = new byte[count][];
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
