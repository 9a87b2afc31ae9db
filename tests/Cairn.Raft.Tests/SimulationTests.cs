using System.Collections.Concurrent;
using System.Globalization;

namespace Cairn.Raft.Tests;

/// <summary>
/// Seeded runs of whole clusters under faults. CI runs 500 seeds of 2,000 steps; for long soaks set
/// CAIRN_SIM_SEEDS (count) and CAIRN_SIM_STEPS; to replay one failure set CAIRN_SIM_SEED.
/// </summary>
public class SimulationTests
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    [Fact]
    public void SeededRunsKeepEveryInvariant()
    {
        var steps = Setting("CAIRN_SIM_STEPS", 2000);
        var single = Environment.GetEnvironmentVariable("CAIRN_SIM_SEED");
        var seeds = single is not null ? [int.Parse(single, CultureInfo.InvariantCulture)] : Enumerable.Range(1, Setting("CAIRN_SIM_SEEDS", 500)).ToArray();
        var failures = new ConcurrentBag<string>();
        long acknowledged = 0, reads = 0, changes = 0, snapshots = 0;
        Parallel.ForEach(seeds, seed =>
        {
            try
            {
                var simulation = new Simulation(seed, nodes: seed % 2 == 0 ? 3 : 5);
                simulation.Run(steps);
                simulation.CheckLiveness();
                Interlocked.Add(ref acknowledged, simulation.Acknowledged);
                Interlocked.Add(ref reads, simulation.ReadsAnswered);
                Interlocked.Add(ref changes, simulation.MembershipChanges);
                Interlocked.Add(ref snapshots, simulation.SnapshotsInstalled);
            }
            catch (SimulationFailure failure)
            {
                failures.Add(failure.Message);
            }
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} of {seeds.Length} seeds failed; first:\n{failures.OrderBy(f => f.Length).FirstOrDefault()}");
        Assert.True(acknowledged > seeds.Length, "the runs committed almost nothing: the simulation is not exercising replication");
        Assert.True(reads > seeds.Length, "the runs answered almost no reads: the simulation is not exercising ReadIndex");
        Assert.True(single is not null || changes > seeds.Length / 10, $"only {changes} membership changes in {seeds.Length} seeds");
        Assert.True(single is not null || snapshots > seeds.Length / 10, $"only {snapshots} snapshots installed in {seeds.Length} seeds");
        Console.WriteLine($"simulation: {seeds.Length} seeds x {steps} steps: {acknowledged} proposals committed, {reads} reads answered, {changes} membership changes, {snapshots} snapshots installed");
    }

    [Fact]
    public void ASeedReplaysExactly()
    {
        string Fingerprint()
        {
            var simulation = new Simulation(4242, nodes: 5);
            simulation.Run(1500);
            simulation.CheckLiveness();
            return $"{simulation.Steps}/{simulation.Acknowledged}";
        }
        Assert.Equal(Fingerprint(), Fingerprint());
    }
}
