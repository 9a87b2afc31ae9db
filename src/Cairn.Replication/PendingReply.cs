using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>A caller waiting for a command's reply; the first Complete wins, later ones are ignored.</summary>
internal sealed class PendingReply(KvCommand command, long deadline)
{
    private readonly TaskCompletionSource<KvReply> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KvCommand Command { get; } = command;

    /// <summary>A <see cref="TimeProvider"/> timestamp after which the caller is told it failed.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>Arrived from a follower: never forwarded again (so a stale leader hint cannot bounce it around).</summary>
    public bool Forwarded { get; init; }

    /// <summary>A membership change rather than a command.</summary>
    public Cairn.Raft.ConfChange? Change { get; init; }

    public Task<KvReply> Task => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    public void Complete(KvReply reply) => _completion.TrySetResult(reply);
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
