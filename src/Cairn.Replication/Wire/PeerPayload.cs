using Cairn.Raft;
using Cairn.StateMachine.Wire;
using Cairn.StateMachine;

namespace Cairn.Replication.Wire;

/// <summary>What a payload between peers carries: its first byte.</summary>
public enum PeerPayloadKind : byte
{
    /// <summary>One-way: a batch of Raft messages (<see cref="MessageCodec"/>).</summary>
    RaftMessages = 0,

    /// <summary>
    /// Request: a client's write, from a follower to the leader. Response: the reply. Followers now send
    /// <see cref="ForwardBatch"/>; the leader still serves this, for nodes of the previous version during an upgrade.
    /// </summary>
    Forward = 1,

    /// <summary>Request: add a member (as a learner). Response: the reply.</summary>
    AddNode = 2,

    /// <summary>Request: remove a member. Response: the reply.</summary>
    RemoveNode = 3,

    /// <summary>Request: one piece of a file of a snapshot's checkpoint. Response: OK or an error.</summary>
    SnapshotChunk = 4,

    /// <summary>Request: every file was sent; here is the Snap message to step. Response: OK once taken, or an error.</summary>
    SnapshotInstall = 5,

    /// <summary>
    /// Request: a follower's writes, in the order its clients sent them, proposed in that order. Response: their
    /// replies, as an array in the same order. A follower has one batch in flight at a time (see RaftGroup).
    /// </summary>
    ForwardBatch = 6,

    /// <summary>Request: this node's digest at a log index (u64). Response: the digest as an integer, or nil if it has none.</summary>
    DigestAt = 7,

    /// <summary>
    /// Request: a follower's writes in its forwarding session (<see cref="SessionStamp"/>), proposed in this order.
    /// Response: for each, in order, a pair [outcome (integer: <see cref="WriteOutcome"/>), reply]. Followers of this
    /// version send it; the leader still serves <see cref="ForwardBatch"/> for followers of the previous one.
    /// </summary>
    ForwardSession = 8,
}

/// <summary>
/// Encodes and decodes peer requests: kind (u8), hops (u8: a request that reached a node through
/// forwarding is never forwarded again), then the body. Responses are a <see cref="KvReply"/>.
/// </summary>
public static class PeerPayload
{
    public static byte[] RaftMessages(IReadOnlyList<Message> messages, WireWriter writer)
    {
        writer.Reset();
        writer.U8((byte)PeerPayloadKind.RaftMessages);
        MessageCodec.Write(writer, messages);
        return writer.ToArray();
    }

    public static byte[] Forward(KvCommand command) =>
        [(byte)PeerPayloadKind.Forward, 0, .. KvCommandCodec.Encode(command, timestamp: 0)];

    public static byte[] ForwardBatch(IReadOnlyList<KvCommand> commands)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.ForwardBatch);
        writer.U8(0);
        writer.U32((uint)commands.Count);
        foreach (var command in commands)
        {
            writer.Bytes(KvCommandCodec.Encode(command, timestamp: 0));
        }
        return writer.ToArray();
    }

    public static List<KvCommand> ReadForwardBatch(ReadOnlySpan<byte> body)
    {
        var reader = new WireReader(body);
        var count = reader.Count(4);
        var commands = new List<KvCommand>(count);
        for (var i = 0; i < count; i++)
        {
            commands.Add(KvCommandCodec.Decode(reader.BytesSpan(), out _));
        }
        return commands;
    }

    /// <summary>Session (u64), previous (u64), answered (u64), count (u32), then each write's seq (u64) and command.</summary>
    public static byte[] ForwardSession(IReadOnlyList<ForwardedWrite> writes)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.ForwardSession);
        writer.U8(0);
        var first = writes.Count > 0 ? writes[0].Stamp : SessionStamp.None;
        writer.U64(first.Session);
        writer.U64(first.Previous);
        writer.U64(first.Answered);
        writer.U32((uint)writes.Count);
        foreach (var write in writes)
        {
            if (write.Stamp.Session != first.Session || write.Stamp.Previous != first.Previous || write.Stamp.Answered != first.Answered)
            {
                throw new ArgumentException("a forwarded batch is of one session", nameof(writes));
            }
            writer.U64(write.Stamp.Seq);
            writer.Bytes(KvCommandCodec.Encode(write.Command, timestamp: 0));
        }
        return writer.ToArray();
    }

    public static List<ForwardedWrite> ReadForwardSession(ReadOnlySpan<byte> body)
    {
        var reader = new WireReader(body);
        var session = reader.U64();
        var previous = reader.U64();
        var answered = reader.U64();
        var count = reader.Count(12);
        if (session == 0 && count > 0)
        {
            throw new FormatException("a forwarded batch needs a session id");
        }
        var writes = new List<ForwardedWrite>(count);
        for (var i = 0; i < count; i++)
        {
            var seq = reader.U64();
            if (seq == 0)
            {
                throw new FormatException("a forwarded write needs a sequence number");
            }
            writes.Add(new ForwardedWrite(KvCommandCodec.Decode(reader.BytesSpan(), out _), new SessionStamp(session, seq, answered, previous)));
        }
        return writes;
    }

    /// <summary>The leader's answer to <see cref="ForwardSession"/>: a pair [outcome, reply] per write.</summary>
    public static KvReply ForwardResults(IReadOnlyList<ForwardResult> results) =>
        KvReply.Array(results.Select(r => KvReply.Array([KvReply.Int((long)r.Outcome), r.Reply])).ToArray());

    /// <summary>The results in <paramref name="reply"/>, or null when it is not one pair per write with a known outcome.</summary>
    public static ForwardResult[]? ReadForwardResults(KvReply reply, int count)
    {
        if (reply is not { Kind: KvReplyKind.Array, Items: { } items } || items.Length != count)
        {
            return null;
        }
        var results = new ForwardResult[count];
        for (var i = 0; i < count; i++)
        {
            if (items[i] is not { Kind: KvReplyKind.Array, Items: [{ Kind: KvReplyKind.Integer } outcome, var answer] }
                || outcome.Integer is not ((long)WriteOutcome.NotApplied or (long)WriteOutcome.Applied or (long)WriteOutcome.Unknown))
            {
                return null;
            }
            results[i] = new ForwardResult(answer, (WriteOutcome)outcome.Integer);
        }
        return results;
    }

    public static byte[] DigestAt(ulong index)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.DigestAt);
        writer.U8(0);
        writer.U64(index);
        return writer.ToArray();
    }

    public static byte[] AddNode(MemberInfo member, bool forwarded)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.AddNode);
        writer.U8(forwarded ? (byte)1 : (byte)0);
        member.Write(writer);
        return writer.ToArray();
    }

    public static byte[] RemoveNode(ulong id, bool forwarded)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.RemoveNode);
        writer.U8(forwarded ? (byte)1 : (byte)0);
        writer.U64(id);
        return writer.ToArray();
    }

    /// <summary>A chunk: transfer id (u64), file name, offset of the data in the file (u64), data.</summary>
    public static byte[] SnapshotChunk(ulong transfer, string file, ulong offset, ReadOnlySpan<byte> data)
    {
        var writer = new WireWriter(data.Length + file.Length + 64);
        writer.U8((byte)PeerPayloadKind.SnapshotChunk);
        writer.U8(0);
        writer.U64(transfer);
        writer.String(file);
        writer.U64(offset);
        writer.Bytes(data);
        return writer.ToArray();
    }

    /// <summary>The end of a transfer: transfer id (u64), number of files (u32), the Snap message.</summary>
    public static byte[] SnapshotInstall(ulong transfer, int files, Message snap)
    {
        var writer = new WireWriter();
        writer.U8((byte)PeerPayloadKind.SnapshotInstall);
        writer.U8(0);
        writer.U64(transfer);
        writer.U32((uint)files);
        MessageCodec.Write(writer, [snap]);
        return writer.ToArray();
    }

    /// <summary>The body of a <see cref="SnapshotChunk"/> request (after kind and hops): its data, and where it goes.</summary>
    public static ReadOnlySpan<byte> ReadSnapshotChunk(ReadOnlySpan<byte> body, out ulong transfer, out string file, out ulong offset)
    {
        var reader = new WireReader(body);
        transfer = reader.U64();
        file = reader.String();
        offset = reader.U64();
        return reader.BytesSpan();
    }

    /// <summary>The body of a <see cref="SnapshotInstall"/> request (after kind and hops).</summary>
    public static (ulong Transfer, int Files, Message Snap) ReadSnapshotInstall(ReadOnlySpan<byte> body)
    {
        var reader = new WireReader(body);
        var transfer = reader.U64();
        var files = (int)Math.Min(reader.U32(), int.MaxValue);
        var messages = MessageCodec.Read(body[(body.Length - reader.Remaining)..]);
        if (messages.Count != 1)
        {
            throw new FormatException("a snapshot install carries one message");
        }
        return (transfer, files, messages[0]);
    }

    public static byte[] Reply(KvReply reply)
    {
        var writer = new WireWriter();
        KvReplyCodec.Write(writer, reply);
        return writer.ToArray();
    }

    public static KvReply ReadReply(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload);
        return KvReplyCodec.Read(ref reader);
    }
}
