namespace Cairn.Replication;

/// <summary>
/// The system clock skewed by a fixed offset: for tests of nodes whose wall clocks disagree
/// (<c>CAIRN_TEST_CLOCK_OFFSET_MS</c> on a server). Timers and timestamps are the system's.
/// </summary>
public sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
