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
    private static string Folder(string name) => Path.Combine(Path.GetTempPath(), $"cairn-chaos-{name}-{Guid.NewGuid():N}");

    private static string Verdict(ChaosRun.Result result) => File.ReadAllText(Path.Combine(result.Folder, "verdict.txt"));

    private async Task<ChaosRun.Result> RunAsync(RunOptions options)
    {
        using var log = new StringWriter();
        var result = await ChaosRun.RunAsync(options, log);
        output.WriteLine(log.ToString());
        return result;
    }

    [Fact]
    public async Task KillsPausesAndPartitionsLoseNothingAndReadsStayLinearizable()
    {
        var result = await RunAsync(new RunOptions
        {
            Nodes = 3,
            Time = TimeSpan.FromSeconds(75),
            Faults = ["kill", "pause", "partition"],
            Seed = 42,
            Output = Folder("ci"),
        });
        Assert.True(result.Valid, Verdict(result));
        Assert.True(result.Faults >= 5, $"only {result.Faults} faults injected");
        Assert.True(result.Operations > 10_000, $"only {result.Operations} operations");
        Directory.Delete(result.Folder, recursive: true);
    }

    [Fact]
    public async Task MembershipChangesLeaderTransfersAndAFullCrashLoseNothing()
    {
        var result = await RunAsync(new RunOptions
        {
            Nodes = 3,
            Time = TimeSpan.FromSeconds(45),
            Faults = ["membership", "transfer", "crash"],
            Seed = 11,
            Output = Folder("membership"),
        });
        Assert.True(result.Valid, Verdict(result));
        Assert.True(result.Faults >= 3, $"only {result.Faults} faults injected");
        Directory.Delete(result.Folder, recursive: true);
    }

    [Fact]
    public async Task StaleReadsAreCaught()
    {
        // READONLY connections read a follower's local state: allowed to be stale, so the checker must object.
        var result = await RunAsync(new RunOptions
        {
            Nodes = 3,
            Time = TimeSpan.FromSeconds(15),
            Faults = ["partition"],
            Seed = 3,
            StaleReads = true,
            Output = Folder("stale"),
        });
        Assert.False(result.Valid);
        Assert.Contains(result.Verdicts, v => v.Linearizable == false);
        Assert.Contains("failing sub-history", Verdict(result));
        Directory.Delete(result.Folder, recursive: true);
    }
}
