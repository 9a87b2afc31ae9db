namespace Cairn.Chaos.Checking;

/// <summary>How an operation ended, as the client saw it.</summary>
public enum Outcome
{
    /// <summary>Acknowledged: it happened, and its output is known.</summary>
    Ok,

    /// <summary>Refused: it definitely did not happen (e.g. CLUSTERDOWN before proposing).</summary>
    Fail,

    /// <summary>Timeout or connection loss: it may or may not have happened, at any time after its call.</summary>
    Unknown,
}

public enum OpKind
{
    Read,
    Write,
    Delete,

    /// <summary>SET key value NX: succeeds (output "OK") only if the key was absent.</summary>
    SetIfAbsent,

    /// <summary>SET key value GET (GETSET): writes and returns the previous value.</summary>
    GetSet,

    /// <summary>INCRBY key delta: returns the new value.</summary>
    Increment,
}

/// <summary>
/// One client operation on one key: invoked at <see cref="Call"/>, completed at <see cref="Return"/> (monotonic
/// nanoseconds from the run's start). Values are strings; null is "absent". For <see cref="Outcome.Unknown"/>
/// operations the return time is unknown (treated as the end of time) and the output is not used.
/// </summary>
public sealed record Operation(
    int Id,
    int Client,
    string Key,
    OpKind Kind,
    string? Input,
    string? Output,
    long Call,
    long Return,
    Outcome Outcome)
{
    public override string ToString() =>
        $"#{Id} c{Client} {Kind} {Key}{(Input is null ? "" : " " + Input)} → {(Outcome == Outcome.Unknown ? "?" : Outcome == Outcome.Fail ? "fail" : Output ?? "nil")} [{Call / 1_000_000.0:F1}–{(Outcome == Outcome.Unknown ? "∞" : (Return / 1_000_000.0).ToString("F1"))} ms]";
}
