using Cairn.Chaos.Runner;
using Xunit.Abstractions;

namespace Cairn.Chaos.Tests;

/// <summary>
/// Seeded runs of the chaos tool against real 3-node clusters: the CI gate on Cairn's safety. They carry the
/// Chaos category and run after the rest of the suite (scripts/test.sh), so their load does not skew other tests.
/// </summary>
[Trait("Category", "Chaos")]
public sealed class ChaosRunTests(ITestOutputHelper output)
{
    private static string Verdict(ChaosRun.Result result) => File.ReadAllText(Path.Combine(result.Folder, "verdict.txt"));

    /// <summary>A seeded run on a fresh 3-node cluster, its log in the test output, its report in a temp folder.</summary>
    private async Task<ChaosRun.Result> RunAsync(int seconds, string[] faults, int seed, bool staleReads = false)
    {
        using var log = new StringWriter();
        var result = await ChaosRun.RunAsync(new RunOptions
        {
            Nodes = 3,
            Time = TimeSpan.FromSeconds(seconds),
            Faults = faults,
            Seed = seed,
            StaleReads = staleReads,
            Output = Path.Combine(Path.GetTempPath(), $"cairn-chaos-{string.Join("-", faults)}-{Guid.NewGuid():N}"),
        }, log);
        output.WriteLine(log.ToString());
        return result;
    }

    [Fact]
    public async Task KillsPausesAndPartitionsLoseNothingAndReadsStayLinearizable()
    {
        var result = await RunAsync(75, ["kill", "pause", "partition"], seed: 42);
        Assert.True(result.Valid, Verdict(result));
        Assert.True(result.Faults >= 5, $"only {result.Faults} faults injected");
        Assert.True(result.Operations > 10_000, $"only {result.Operations} operations");
        Directory.Delete(result.Folder, recursive: true);
    }

    [Fact]
    public async Task MembershipChangesTransfersCrashesLatencyAndDroppedLinksLoseNothing()
    {
        var result = await RunAsync(60, ["membership", "transfer", "crash", "latency", "drop"], seed: 11);
        Assert.True(result.Valid, Verdict(result));
        Assert.True(result.Faults >= 5, $"only {result.Faults} faults injected");
        Directory.Delete(result.Folder, recursive: true);
    }

    [Fact]
    public async Task StaleReadsAreCaught()
    {
        // READONLY connections read a follower's local state: allowed to be stale, so the checker must object.
        var result = await RunAsync(15, ["partition"], seed: 3, staleReads: true);
        Assert.False(result.Valid);
        Assert.Contains(result.Verdicts, v => v.Linearizable == false);
        Assert.Contains("failing sub-history", Verdict(result));
        Directory.Delete(result.Folder, recursive: true);
    }
}
