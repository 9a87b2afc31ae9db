namespace Cairn.StateMachine;

/// <summary>
/// A command at its place in the log. <see cref="Timestamp"/> is the proposer's clock in Unix
/// milliseconds when the command was proposed: the only notion of "now" Apply may use. <see cref="Session"/>
/// places a forwarded write in its forwarding session (see <see cref="SessionStamp"/>).
/// </summary>
public readonly record struct KvEntry(long Index, long Timestamp, KvCommand Command, SessionStamp Session = default);
