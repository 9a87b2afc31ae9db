namespace Cairn.StateMachine;

/// <summary>
/// A command at its place in the log. <see cref="Timestamp"/> is the proposer's clock in Unix
/// milliseconds when the command was proposed: the only notion of "now" Apply may use.
/// </summary>
public readonly record struct KvEntry(long Index, long Timestamp, KvCommand Command);
