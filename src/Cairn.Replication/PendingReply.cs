using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>What a write's reply says of it: the state machine ran it, it certainly did not run, or nobody knows.</summary>
public enum WriteOutcome : byte
{
    NotApplied = 0,
    Applied = 1,
    Unknown = 2,
}

/// <summary>A reply with what it says of the write: the leader's answer to each write a follower forwarded.</summary>
public readonly record struct ForwardResult(KvReply Reply, WriteOutcome Outcome);

/// <summary>A write a follower forwards, with its place in the follower's session.</summary>
public readonly record struct ForwardedWrite(KvCommand Command, SessionStamp Stamp);

/// <summary>A caller waiting for a command's reply; the first Complete wins, later ones are ignored.</summary>
internal sealed class PendingReply(KvCommand command, long deadline)
{
    private readonly TaskCompletionSource<KvReply> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _completed;

    public KvCommand Command { get; } = command;

    /// <summary>Its place in a forwarding session (proposed with it), or none.</summary>
    public SessionStamp Stamp { get; set; }

    /// <summary>What the winning Complete said of the write (read once <see cref="Task"/> is done).</summary>
    public WriteOutcome Outcome { get; private set; }

    /// <summary>A <see cref="TimeProvider"/> timestamp after which the caller is told it failed.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>Arrived from a follower: never forwarded again (so a stale leader hint cannot bounce it around).</summary>
    public bool Forwarded { get; init; }

    /// <summary>A membership change rather than a command.</summary>
    public Cairn.Raft.ConfChange? Change { get; init; }

    public Task<KvReply> Task => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    /// <summary>Answers the caller; <paramref name="outcome"/> says whether the write ran (a refusal before the log did not).</summary>
    public void Complete(KvReply reply, WriteOutcome outcome = WriteOutcome.NotApplied)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            Outcome = outcome;
            _completion.SetResult(reply);
        }
    }

    public async Task<ForwardResult> ResultAsync() => new(await Task, Outcome);
}

/// <summary>
/// The timestamp stamped on proposed commands: the wall clock, but never earlier than the last one nor than the
/// log's clock (<paramref name="floor"/>: the latest timestamp applied), so expiry decisions in the log are
/// monotonic also across leaders whose clocks disagree. Used from one thread.
/// </summary>
internal sealed class ProposalClock(TimeProvider time, Func<long> floor)
{
    private long _last;

    public long Next() => _last = Math.Max(Math.Max(_last, floor()), time.GetUtcNow().ToUnixTimeMilliseconds());
}
