namespace Cairn.Raft.Tracker;

public enum ProgressState : byte
{
    /// <summary>Next is a guess: send one append at a time until one is accepted.</summary>
    Probe,

    /// <summary>The follower is in step: pipeline appends up to the inflights window.</summary>
    Replicate,

    /// <summary>A snapshot is on its way: send nothing until it is acknowledged or reported lost.</summary>
    Snapshot,
}

/// <summary>
/// The leader's view of one member's log. Invariant: Match &lt; Next. Match only grows while the
/// leader leads; Next falls back on rejections (never below Match + 1).
/// </summary>
public sealed class Progress(ulong next, int maxInflight, bool isLearner)
{
    public ulong Match { get; set; }

    public ulong Next { get; set; } = next;

    public ProgressState State { get; private set; } = ProgressState.Probe;

    /// <summary>In Probe state: an append was sent and not yet answered, so wait (or heartbeat).</summary>
    public bool ProbeSent { get; set; }

    public Inflights Inflights { get; } = new(maxInflight);

    public bool IsLearner { get; set; } = isLearner;

    /// <summary>Heard from since the last CheckQuorum round.</summary>
    public bool RecentActive { get; set; }

    /// <summary>Index of the snapshot in flight (Snapshot state).</summary>
    public ulong PendingSnapshot { get; private set; }

    public bool IsPaused => State switch
    {
        ProgressState.Probe => ProbeSent,
        ProgressState.Replicate => Inflights.Full,
        _ => true,
    };

    public void BecomeSnapshot(ulong index)
    {
        State = ProgressState.Snapshot;
        ProbeSent = false;
        Inflights.Reset();
        PendingSnapshot = index;
    }

    public void BecomeProbe()
    {
        // After a snapshot the follower has at least the snapshot's entries.
        Next = State == ProgressState.Snapshot ? Math.Max(Match + 1, PendingSnapshot + 1) : Match + 1;
        State = ProgressState.Probe;
        ProbeSent = false;
        PendingSnapshot = 0;
        Inflights.Reset();
    }

    public void BecomeReplicate()
    {
        State = ProgressState.Replicate;
        ProbeSent = false;
        Inflights.Reset();
        Next = Match + 1;
    }

    /// <summary>An acknowledgement up to <paramref name="index"/>; false when it is stale.</summary>
    public bool MaybeUpdate(ulong index)
    {
        var updated = false;
        if (Match < index)
        {
            Match = index;
            updated = true;
            ProbeSent = false;
        }
        Next = Math.Max(Next, index + 1);
        return updated;
    }

    /// <summary>
    /// A rejection of the append that followed <paramref name="rejected"/>. In Replicate state only a
    /// rejection above Match is news (Next goes back to Match + 1); in Probe state only a rejection of the
    /// probe just sent is (Next goes to the follower's hint, never below Match + 1). False when stale.
    /// </summary>
    public bool MaybeDecrTo(ulong rejected, ulong matchHint)
    {
        if (State == ProgressState.Replicate)
        {
            if (rejected <= Match)
            {
                return false;
            }
            Next = Match + 1;
            return true;
        }
        if (Next - 1 != rejected)
        {
            return false;
        }
        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        ProbeSent = false;
        return true;
    }

    /// <summary>Bookkeeping after sending entries up to <paramref name="lastIndex"/> (none: a probe).</summary>
    public void SentEntries(int count, ulong lastIndex)
    {
        if (State == ProgressState.Replicate)
        {
            if (count > 0)
            {
                Next = lastIndex + 1;
                Inflights.Add(lastIndex);
            }
        }
        else
        {
            ProbeSent = true;
        }
    }

    public override string ToString() => $"{State} match={Match} next={Next}{(IsLearner ? " learner" : "")}{(IsPaused ? " paused" : "")}";
}
