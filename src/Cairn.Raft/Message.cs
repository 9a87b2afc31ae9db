namespace Cairn.Raft;

public enum MessageType : byte
{
    // Local: never sent over the network.
    Hup,
    Beat,
    CheckQuorum,

    // Forwarded from followers to the leader, or local.
    Propose,

    App,
    AppResp,
    Vote,
    VoteResp,
    PreVote,
    PreVoteResp,
    Heartbeat,
    HeartbeatResp,

    /// <summary>A snapshot for a follower whose next entries were compacted away (§7).</summary>
    Snap,

    /// <summary>Local (or forwarded to the leader): hand leadership to <see cref="Message.From"/>.</summary>
    TransferLeader,

    /// <summary>From a leader handing over: campaign now, without waiting for the election timeout.</summary>
    TimeoutNow,

    /// <summary>A read-index request: local, or forwarded by a follower; its single entry's data is the request context.</summary>
    ReadIndex,
    ReadIndexResp,
}

/// <summary>
/// A Raft message. Every message names its group, so one transport can carry many groups.
/// Field meaning by type follows etcd's raftpb: for App, Index/LogTerm identify the entry before
/// <see cref="Entries"/>; for AppResp, Index is the last matching index or, with Reject, the probed
/// one, and RejectHint/LogTerm give the follower's hint for fast back-off.
/// </summary>
public sealed class Message
{
    public ulong GroupId { get; init; }

    public MessageType Type { get; init; }

    public ulong From { get; init; }

    public ulong To { get; init; }

    public ulong Term { get; init; }

    public ulong LogTerm { get; init; }

    public ulong Index { get; init; }

    /// <summary>
    /// The entries carried. On messages a node produces this may be a view into its log: valid until the
    /// sender's next Advance, so a transport serializes (or copies) messages before calling Advance.
    /// </summary>
    public ArraySegment<Entry> Entries { get; init; } = ArraySegment<Entry>.Empty;

    public ulong Commit { get; init; }

    public bool Reject { get; init; }

    public ulong RejectHint { get; init; }

    public Snapshot? Snapshot { get; init; }

    /// <summary>On a Vote sent because of a leadership transfer: voters set their leader lease aside.</summary>
    public bool Transfer { get; init; }

    /// <summary>Heartbeats of a read-index round carry the round's context; responses echo it.</summary>
    public byte[]? Context { get; init; }

    /// <summary>
    /// A copy that owns its entries, for a driver that holds messages past the sender's Advance (what a
    /// transport achieves by serializing before Advance).
    /// </summary>
    public Message Detached() => Entries.Count == 0 ? this : new Message
    {
        GroupId = GroupId, Type = Type, From = From, To = To, Term = Term, LogTerm = LogTerm, Index = Index,
        Entries = Entries.ToArray(), Commit = Commit, Reject = Reject, RejectHint = RejectHint,
        Snapshot = Snapshot, Transfer = Transfer, Context = Context,
    };

    public static bool IsLocal(MessageType type) => type is MessageType.Hup or MessageType.Beat or MessageType.CheckQuorum;

    public static bool IsResponse(MessageType type) =>
        type is MessageType.AppResp or MessageType.VoteResp or MessageType.PreVoteResp or MessageType.HeartbeatResp or MessageType.ReadIndexResp;

    public override string ToString() =>
        $"{Type} {From}->{To} t{Term} i{Index} lt{LogTerm} c{Commit} n{Entries.Count}{(Reject ? " reject hint " + RejectHint : "")}";
}
