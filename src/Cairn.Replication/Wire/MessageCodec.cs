using Cairn.Raft;
using Cairn.StateMachine.Wire;

namespace Cairn.Replication.Wire;

/// <summary>
/// Raft messages on the wire. A batch is: count (u32), then per message: group, type, from, to, term,
/// log term, index, commit, reject hint (u64 but type u8), flags (u8: reject, transfer, snapshot,
/// context), entries (count, then term, index, type, data), context (bytes) and snapshot metadata when
/// flagged. Decoding checks every length against the payload; a bad batch throws FormatException.
/// </summary>
public static class MessageCodec
{
    private const byte FlagReject = 1, FlagTransfer = 2, FlagSnapshot = 4, FlagContext = 8;
    private const int MinMessageSize = 8 * 7 + 2 + 8 + 4;
    private const int MinEntrySize = 8 + 8 + 1 + 4;

    public static void Write(WireWriter writer, IReadOnlyList<Message> messages)
    {
        writer.U32((uint)messages.Count);
        foreach (var m in messages)
        {
            writer.U64(m.GroupId);
            writer.U8((byte)m.Type);
            writer.U64(m.From);
            writer.U64(m.To);
            writer.U64(m.Term);
            writer.U64(m.LogTerm);
            writer.U64(m.Index);
            writer.U64(m.Commit);
            writer.U64(m.RejectHint);
            writer.U8((byte)((m.Reject ? FlagReject : 0) | (m.Transfer ? FlagTransfer : 0) |
                             (m.Snapshot is not null ? FlagSnapshot : 0) | (m.Context is not null ? FlagContext : 0)));
            writer.U32((uint)m.Entries.Count);
            foreach (var entry in m.Entries)
            {
                writer.U64(entry.Term);
                writer.U64(entry.Index);
                writer.U8((byte)entry.Type);
                writer.Bytes(entry.Data.Span);
            }
            if (m.Context is not null)
            {
                writer.Bytes(m.Context);
            }
            if (m.Snapshot is { } snapshot)
            {
                WriteSnapshot(writer, snapshot);
            }
        }
    }

    public static List<Message> Read(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload);
        var count = reader.Count(MinMessageSize);
        var messages = new List<Message>(count);
        for (var i = 0; i < count; i++)
        {
            var group = reader.U64();
            var type = (MessageType)reader.U8();
            if (!Enum.IsDefined(type))
            {
                throw new FormatException($"unknown message type {(byte)type}");
            }
            var from = reader.U64();
            var to = reader.U64();
            var term = reader.U64();
            var logTerm = reader.U64();
            var index = reader.U64();
            var commit = reader.U64();
            var rejectHint = reader.U64();
            var flags = reader.U8();
            var entries = new Entry[reader.Count(MinEntrySize)];
            for (var e = 0; e < entries.Length; e++)
            {
                var entryTerm = reader.U64();
                var entryIndex = reader.U64();
                var entryType = (EntryType)reader.U8();
                if (entryType is not (EntryType.Normal or EntryType.ConfChange))
                {
                    throw new FormatException($"unknown entry type {(byte)entryType}");
                }
                entries[e] = new Entry(entryTerm, entryIndex, entryType, reader.Bytes());
            }
            var context = (flags & FlagContext) != 0 ? reader.Bytes() : null;
            var snapshot = (flags & FlagSnapshot) != 0 ? ReadSnapshot(ref reader) : null;
            messages.Add(new Message
            {
                GroupId = group, Type = type, From = from, To = to, Term = term, LogTerm = logTerm, Index = index,
                Commit = commit, RejectHint = rejectHint, Reject = (flags & FlagReject) != 0,
                Transfer = (flags & FlagTransfer) != 0, Entries = entries, Context = context, Snapshot = snapshot,
            });
        }
        if (reader.Remaining != 0)
        {
            throw new FormatException("trailing bytes after the last message");
        }
        return messages;
    }

    public static void WriteSnapshot(WireWriter writer, Snapshot snapshot)
    {
        writer.U64(snapshot.Index);
        writer.U64(snapshot.Term);
        WriteIds(writer, snapshot.Conf.Voters);
        WriteIds(writer, snapshot.Conf.Learners);
        writer.Bytes(snapshot.Data.Span);
    }

    public static Snapshot ReadSnapshot(ref WireReader reader)
    {
        var index = reader.U64();
        var term = reader.U64();
        var voters = ReadIds(ref reader);
        var learners = ReadIds(ref reader);
        return new Snapshot(index, term, new ConfState(voters, learners), reader.Bytes());
    }

    private static void WriteIds(WireWriter writer, IReadOnlyList<ulong> ids)
    {
        writer.U32((uint)ids.Count);
        foreach (var id in ids)
        {
            writer.U64(id);
        }
    }

    private static ulong[] ReadIds(ref WireReader reader)
    {
        var ids = new ulong[reader.Count(8)];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = reader.U64();
        }
        return ids;
    }
}
