namespace Cairn.StateMachine;

/// <summary>
/// What a write forwarded by a follower carries into the log, so Apply runs it at most once and in its session's
/// order: the forwarding session (a random id, never 0), the write's sequence number in it (from 1, no gaps), the
/// lowest sequence number the forwarder still waits on (replies below it need not be kept), and the session it
/// replaces (0: none), closed when this one opens. <see cref="None"/> for every other write.
/// </summary>
public readonly record struct SessionStamp(ulong Session, ulong Seq, ulong Answered, ulong Previous)
{
    public static SessionStamp None => default;

    public bool IsNone => Session == 0;
}
