using System.Diagnostics.Metrics;

namespace Cairn.Replication;

/// <summary>
/// Per-event Raft measurements as System.Diagnostics.Metrics instruments of the meter "Cairn.Replication"
/// (state such as term and indexes is read from <see cref="GroupStatus"/> when metrics are scraped).
/// </summary>
internal static class RaftMetrics
{
    public const string MeterName = "Cairn.Replication";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>One per durable log write: entries and hard state appended and fsynced.</summary>
    public static readonly Histogram<double> LogWriteDuration = Meter.CreateHistogram<double>(
        "cairn.raft.log.write.duration", "s", "Raft log writes (append + fdatasync) by duration");

    /// <summary>Commands proposed together as one batch by the leader.</summary>
    public static readonly Histogram<int> ProposalBatchSize = Meter.CreateHistogram<int>(
        "cairn.raft.proposal.batch.size", "{command}", "Commands proposed together in one batch");

    public static readonly Counter<long> Proposals = Meter.CreateCounter<long>(
        "cairn.raft.proposals", "{command}", "Commands proposed to the Raft log by this node as leader");
}
