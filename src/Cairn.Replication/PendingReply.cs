using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>A caller waiting for a command's reply; the first Complete wins, later ones are ignored.</summary>
internal sealed class PendingReply(KvCommand command)
{
    private readonly TaskCompletionSource<KvReply> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KvCommand Command { get; } = command;

    public Task<KvReply> Task => _completion.Task;

    public void Complete(KvReply reply) => _completion.TrySetResult(reply);
}

/// <summary>
/// The timestamp stamped on proposed commands: the wall clock, but never earlier than the last one,
/// so expiry decisions in the log are monotonic. Used from one thread.
/// </summary>
internal sealed class ProposalClock(TimeProvider time)
{
    private long _last;

    public long Next() => _last = Math.Max(_last, time.GetUtcNow().ToUnixTimeMilliseconds());
}
