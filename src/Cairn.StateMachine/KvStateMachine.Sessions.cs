using System.Buffers.Binary;
using Cairn.StateMachine.Wire;
using Cairn.Storage;

namespace Cairn.StateMachine;

/// <summary>
/// Forwarding sessions (the Raft thesis, §6.3): a write a follower forwards carries its session and sequence
/// number (<see cref="SessionStamp"/>), and Apply runs it only if it is the session's next one. A retried duplicate
/// is answered with the reply kept from its first run, never run again; one that arrives before its predecessor
/// is refused, not run, and the forwarder sends both again in order. So a follower's writes are applied at most
/// once and in the order it sent them, across leader changes and retries. Everything here is a function of the
/// entries and the stored sessions (in the meta space, so in checkpoints): a session expires when the log's
/// clock has passed its last use by <see cref="SessionIdleTimeoutMs"/>, swept at each session entry, so every
/// replica holds the same sessions at every index.
/// </summary>
public sealed partial class KvStateMachine
{
    /// <summary>A session unused this long (log time) is forgotten: its forwarder opens a new one when told so.</summary>
    public const long SessionIdleTimeoutMs = 10 * 60 * 1000;

    /// <summary>Reply bytes a session keeps for retries at most; a reply past it is kept as a note that it ran.</summary>
    public const int MaxKeptReplyBytes = 1 << 20;

    /// <summary>The code of every session refusal: the write did not run, and its forwarder sends it again.</summary>
    public const string SessionRefusalCode = "TRYAGAIN";

    /// <summary>The refusal that tells a forwarder to open a new session (this one is unknown, expired or closed).</summary>
    public const string UnknownSessionRefusal = SessionRefusalCode + " unknown forwarding session";

    private static readonly byte[] SessionPrefix = "session/"u8.ToArray();
    private const byte SessionRecordVersion = 1;

    // By id, so sweeps and writes go in one order on every replica.
    private readonly SortedDictionary<ulong, ForwardSession> _sessions = [];
    private readonly SortedSet<ulong> _sessionsChanged = [];
    // The log's clock as the batch being executed has advanced it (the latest timestamp so far).
    private long _logNow;

    private sealed class ForwardSession
    {
        public ulong NextSeq = 1;
        public long LastUsed;
        public bool Closed;
        public long KeptBytes;
        public readonly List<(ulong Seq, KvReply Reply)> Kept = [];
    }

    /// <summary>Forwarding sessions open or closed (closed ones are kept until they expire, to refuse their stragglers).</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>
    /// Null when the entry is its session's next write and runs; otherwise its reply without running it: the kept
    /// reply of a duplicate, or a refusal (a gap, or a session that is unknown, expired or closed).
    /// </summary>
    private KvReply? AdmitForwarded(in KvEntry entry)
    {
        var stamp = entry.Session;
        var now = _logNow;
        SweepSessions(now);
        if (!_sessions.TryGetValue(stamp.Session, out var session))
        {
            // Only a session's first write opens it, and only while that write is newer than the idle timeout: a
            // straggler of a session that expired (its first write applied long ago) cannot open it again.
            if (stamp.Seq != 1 || entry.Timestamp + SessionIdleTimeoutMs < now)
            {
                return KvReply.Error($"{UnknownSessionRefusal} {stamp.Session:x16} (expired, or never opened); the write was not applied");
            }
            session = new ForwardSession();
            _sessions[stamp.Session] = session;
            if (stamp.Previous != 0 && stamp.Previous != stamp.Session)
            {
                // The session this one replaces takes no write from now on: what it had in flight either ran before, or never will.
                if (!_sessions.TryGetValue(stamp.Previous, out var previous))
                {
                    _sessions[stamp.Previous] = previous = new ForwardSession();
                }
                previous.Closed = true;
                previous.LastUsed = now;
                previous.Kept.Clear();
                previous.KeptBytes = 0;
                _sessionsChanged.Add(stamp.Previous);
            }
        }
        if (session.Closed)
        {
            return KvReply.Error($"{UnknownSessionRefusal} {stamp.Session:x16} (closed by its successor); the write was not applied");
        }
        session.LastUsed = now;
        _sessionsChanged.Add(stamp.Session);
        var drop = 0;
        while (drop < session.Kept.Count && session.Kept[drop].Seq < stamp.Answered)
        {
            session.KeptBytes -= ReplySize(session.Kept[drop].Reply);
            drop++;
        }
        session.Kept.RemoveRange(0, drop);
        if (stamp.Seq < session.NextSeq)
        {
            foreach (var (seq, reply) in session.Kept)
            {
                if (seq == stamp.Seq)
                {
                    return reply;
                }
            }
            return KvReply.Error($"ERR the write (session {stamp.Session:x16}, seq {stamp.Seq}) was applied before, and its reply was answered");
        }
        if (stamp.Seq > session.NextSeq)
        {
            return KvReply.Error($"{SessionRefusalCode} forwarded out of order (session {stamp.Session:x16} expects {session.NextSeq}, got {stamp.Seq}); the write was not applied");
        }
        return null;
    }

    /// <summary>The entry ran: the session moves to its next write and keeps the reply for a retry.</summary>
    private void KeepReply(SessionStamp stamp, KvReply reply)
    {
        var session = _sessions[stamp.Session];
        session.NextSeq = stamp.Seq + 1;
        var size = ReplySize(reply);
        if (session.KeptBytes + size > MaxKeptReplyBytes)
        {
            reply = KvReply.Error($"ERR the write was applied; its reply ({size} bytes) was too large to keep for a retry");
            size = ReplySize(reply);
        }
        session.Kept.Add((stamp.Seq, reply));
        session.KeptBytes += size;
    }

    private void SweepSessions(long now)
    {
        List<ulong>? expired = null;
        foreach (var (id, session) in _sessions)
        {
            if (session.LastUsed + SessionIdleTimeoutMs < now)
            {
                (expired ??= []).Add(id);
            }
        }
        foreach (var id in expired ?? [])
        {
            _sessions.Remove(id);
            _sessionsChanged.Add(id);
        }
    }

    /// <summary>Puts the sessions the batch changed into it.</summary>
    private void WriteSessions()
    {
        foreach (var id in _sessionsChanged)
        {
            var key = SessionKey(id);
            if (_sessions.TryGetValue(id, out var session))
            {
                _batch!.Put(KvSpace.Meta, key, EncodeSession(session));
            }
            else
            {
                _batch!.Delete(KvSpace.Meta, key);
            }
        }
    }

    /// <summary>The sessions as stored: at start, after a restore, and when a batch is executed again.</summary>
    private void LoadSessions()
    {
        _sessions.Clear();
        _sessionsChanged.Clear();
        using var iterator = _engine.NewIterator(KvSpace.Meta);
        for (iterator.Seek(SessionPrefix); iterator.Valid && iterator.Key.StartsWith(SessionPrefix); iterator.Next())
        {
            var id = BinaryPrimitives.ReadUInt64BigEndian(iterator.Key[SessionPrefix.Length..]);
            _sessions[id] = DecodeSession(iterator.Value);
        }
    }

    private static byte[] SessionKey(ulong id)
    {
        var key = new byte[SessionPrefix.Length + 8];
        SessionPrefix.CopyTo(key, 0);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(SessionPrefix.Length), id);
        return key;
    }

    /// <summary>version (u8) | closed (u8) | next seq (u64) | last used (i64) | count (u32) | each kept: seq (u64), reply.</summary>
    private static byte[] EncodeSession(ForwardSession session)
    {
        var writer = new WireWriter(32 + (int)session.KeptBytes + 9 * session.Kept.Count);
        writer.U8(SessionRecordVersion);
        writer.U8(session.Closed ? (byte)1 : (byte)0);
        writer.U64(session.NextSeq);
        writer.I64(session.LastUsed);
        writer.U32((uint)session.Kept.Count);
        foreach (var (seq, reply) in session.Kept)
        {
            writer.U64(seq);
            KvReplyCodec.Write(writer, reply);
        }
        return writer.ToArray();
    }

    private static ForwardSession DecodeSession(ReadOnlySpan<byte> data)
    {
        var reader = new WireReader(data);
        if (reader.U8() != SessionRecordVersion)
        {
            throw new StorageException("a forwarding session record has an unknown version");
        }
        var session = new ForwardSession { Closed = reader.U8() != 0, NextSeq = reader.U64(), LastUsed = reader.I64() };
        var count = reader.Count(9);
        for (var i = 0; i < count; i++)
        {
            var seq = reader.U64();
            var reply = KvReplyCodec.Read(ref reader);
            session.Kept.Add((seq, reply));
            session.KeptBytes += ReplySize(reply);
        }
        return session;
    }

    /// <summary>About the bytes a reply takes to keep: its payload and a little for its kind.</summary>
    private static long ReplySize(in KvReply reply) => reply.Kind switch
    {
        KvReplyKind.Bulk => 8 + reply.Bytes.Length,
        KvReplyKind.Simple or KvReplyKind.Error => 8 + reply.Text!.Length,
        KvReplyKind.Array or KvReplyKind.Map or KvReplyKind.Set or KvReplyKind.Pairs => 8 + reply.Items!.Sum(item => ReplySize(item)),
        _ => 8,
    };
}
