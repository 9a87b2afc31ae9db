using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Cairn.Raft;

namespace Cairn.Storage.Wal;

internal enum WalRecordType : byte
{
    Entries = 1,
    HardState = 2,
    Conf = 3,
    Snapshot = 4,
    Compact = 5,
    Commit = 6,
}

/// <summary>
/// Record framing: length (u32, of the body) | CRC-32 of the body (u32) | body. Body: type (u8) |
/// group (u64) | payload, all little-endian. A zero length, a length past the data, or a CRC mismatch
/// ends the valid log (a torn write). Since version 2 every synced write (a batch) ends with a commit record
/// (group 0; payload: the batch's sequence number and the offset where the batch begins): replay applies a
/// batch only with its commit, and tells a torn final batch from damage by the commits after it.
/// </summary>
internal static class WalRecord
{
    public const int FrameHeader = 8;
    public const int MaxBody = 512 * 1024 * 1024;

    public static void WriteEntries(IBufferWriter<byte> output, ulong group, IReadOnlyList<Entry> entries)
    {
        var size = 1 + 8 + 4;
        for (var i = 0; i < entries.Count; i++)
        {
            size += 8 + 8 + 1 + 4 + entries[i].Data.Length;
        }
        var body = Begin(output, size, WalRecordType.Entries, group);
        BinaryPrimitives.WriteInt32LittleEndian(body[9..], entries.Count);
        var at = 13;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            BinaryPrimitives.WriteUInt64LittleEndian(body[at..], entry.Term);
            BinaryPrimitives.WriteUInt64LittleEndian(body[(at + 8)..], entry.Index);
            body[at + 16] = (byte)entry.Type;
            BinaryPrimitives.WriteInt32LittleEndian(body[(at + 17)..], entry.Data.Length);
            entry.Data.Span.CopyTo(body[(at + 21)..]);
            at += 21 + entry.Data.Length;
        }
        End(output, size);
    }

    public static void WriteHardState(IBufferWriter<byte> output, ulong group, HardState state)
    {
        var body = Begin(output, 9 + 24, WalRecordType.HardState, group);
        BinaryPrimitives.WriteUInt64LittleEndian(body[9..], state.Term);
        BinaryPrimitives.WriteUInt64LittleEndian(body[17..], state.Vote);
        BinaryPrimitives.WriteUInt64LittleEndian(body[25..], state.Commit);
        End(output, 9 + 24);
    }

    public static void WriteConf(IBufferWriter<byte> output, ulong group, ConfState conf)
    {
        var size = 9 + ConfSize(conf);
        var body = Begin(output, size, WalRecordType.Conf, group);
        WriteConf(body[9..], conf);
        End(output, size);
    }

    /// <summary>Snapshot metadata; <paramref name="installed"/> marks one from the leader, which replaces the log.</summary>
    public static void WriteSnapshot(IBufferWriter<byte> output, ulong group, Snapshot snapshot, bool installed)
    {
        var size = 9 + 17 + ConfSize(snapshot.Conf);
        var body = Begin(output, size, WalRecordType.Snapshot, group);
        BinaryPrimitives.WriteUInt64LittleEndian(body[9..], snapshot.Index);
        BinaryPrimitives.WriteUInt64LittleEndian(body[17..], snapshot.Term);
        body[25] = installed ? (byte)1 : (byte)0;
        WriteConf(body[26..], snapshot.Conf);
        End(output, size);
    }

    /// <summary>Entries up to <paramref name="index"/> (whose term was <paramref name="term"/>) are compacted.</summary>
    public static void WriteCompact(IBufferWriter<byte> output, ulong group, ulong index, ulong term)
    {
        var body = Begin(output, 9 + 16, WalRecordType.Compact, group);
        BinaryPrimitives.WriteUInt64LittleEndian(body[9..], index);
        BinaryPrimitives.WriteUInt64LittleEndian(body[17..], term);
        End(output, 9 + 16);
    }

    public const int CommitBody = 9 + 16;

    /// <summary>Ends batch <paramref name="sequence"/>, which begins at <paramref name="start"/> in its segment.</summary>
    public static void WriteCommit(IBufferWriter<byte> output, ulong sequence, long start)
    {
        var body = Begin(output, CommitBody, WalRecordType.Commit, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(body[9..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(body[17..], start);
        End(output, CommitBody);
    }

    /// <summary>Whether a valid commit record starts at <paramref name="data"/>[0]; cheap to try at every offset.</summary>
    public static bool IsCommitAt(ReadOnlySpan<byte> data, out ulong sequence, out long start)
    {
        sequence = 0;
        start = 0;
        if (data.Length < FrameHeader + CommitBody || BinaryPrimitives.ReadInt32LittleEndian(data) != CommitBody
            || data[FrameHeader] != (byte)WalRecordType.Commit)
        {
            return false;
        }
        var body = data.Slice(FrameHeader, CommitBody);
        if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return false;
        }
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(body[9..]);
        start = BinaryPrimitives.ReadInt64LittleEndian(body[17..]);
        return true;
    }

    /// <summary>Reads one framed record at the start of <paramref name="data"/>; false at the end of the valid log.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> body, out int consumed)
    {
        body = default;
        consumed = 0;
        if (data.Length < FrameHeader)
        {
            return false;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 9 || length > MaxBody || length > data.Length - FrameHeader)
        {
            return false;
        }
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        body = data.Slice(FrameHeader, length);
        if (Crc32.HashToUInt32(body) != crc)
        {
            return false;
        }
        consumed = FrameHeader + length;
        return true;
    }

    public static ConfState ReadConf(ReadOnlySpan<byte> data, out int consumed)
    {
        var voters = new ulong[BinaryPrimitives.ReadInt32LittleEndian(data)];
        var at = 4;
        for (var i = 0; i < voters.Length; i++, at += 8)
        {
            voters[i] = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);
        }
        var learners = new ulong[BinaryPrimitives.ReadInt32LittleEndian(data[at..])];
        at += 4;
        for (var i = 0; i < learners.Length; i++, at += 8)
        {
            learners[i] = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);
        }
        consumed = at;
        return new ConfState(voters, learners);
    }

    private static int ConfSize(ConfState conf) => 8 + 8 * (conf.Voters.Count + conf.Learners.Count);

    private static void WriteConf(Span<byte> target, ConfState conf)
    {
        BinaryPrimitives.WriteInt32LittleEndian(target, conf.Voters.Count);
        var at = 4;
        foreach (var id in conf.Voters)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(target[at..], id);
            at += 8;
        }
        BinaryPrimitives.WriteInt32LittleEndian(target[at..], conf.Learners.Count);
        at += 4;
        foreach (var id in conf.Learners)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(target[at..], id);
            at += 8;
        }
    }

    private static Span<byte> Begin(IBufferWriter<byte> output, int bodySize, WalRecordType type, ulong group)
    {
        var span = output.GetSpan(FrameHeader + bodySize)[..(FrameHeader + bodySize)];
        var body = span[FrameHeader..];
        body[0] = (byte)type;
        BinaryPrimitives.WriteUInt64LittleEndian(body[1..], group);
        return body;
    }

    private static void End(IBufferWriter<byte> output, int bodySize)
    {
        var span = output.GetSpan(FrameHeader + bodySize)[..(FrameHeader + bodySize)];
        BinaryPrimitives.WriteInt32LittleEndian(span, bodySize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32.HashToUInt32(span[FrameHeader..]));
        output.Advance(FrameHeader + bodySize);
    }
}
