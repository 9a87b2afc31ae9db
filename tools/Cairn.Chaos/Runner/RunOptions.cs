namespace Cairn.Chaos.Runner;

public sealed record RunOptions
{
    public int Nodes { get; init; } = 3;

    public TimeSpan Time { get; init; } = TimeSpan.FromSeconds(60);

    public IReadOnlyList<string> Faults { get; init; } = ["kill", "pause", "partition"];

    public int Seed { get; init; } = 42;

    public int Clients { get; init; } = 10;

    /// <summary>Clients that pipeline writes to a key of their own, checked for per-connection order (<see cref="PipelineWorkload"/>).</summary>
    public int PipelineClients { get; init; } = 2;

    /// <summary>Clients that pipeline INCRs through followers, checked for at-most-once (<see cref="CounterWorkload"/>).</summary>
    public int CounterClients { get; init; } = 2;

    /// <summary>Register keys r0..r(N-1); two counter keys c0, c1 come on top.</summary>
    public int Keys { get; init; } = 6;

    /// <summary>How long clients use one key set before moving to a fresh one (bounds each key's history).</summary>
    public TimeSpan KeyLifetime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clients send READONLY: stale reads allowed, so the run should NOT be linearizable under partitions.</summary>
    public bool StaleReads { get; init; }

    public string? Output { get; init; }

    public TimeSpan CheckBudget { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Time each failing key's history may spend shrinking (keys shrink in parallel).</summary>
    public TimeSpan MinimizeBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>One line for the report.</summary>
    public string Describe() =>
        $"{Nodes} nodes, {Time.TotalSeconds:F0} s, seed {Seed}, {Clients} clients (+{PipelineClients} pipelining, +{CounterClients} counting through followers), {Keys} register keys and 2 counters (fresh every {KeyLifetime.TotalSeconds:F0} s), faults {string.Join(",", Faults)}{(StaleReads ? ", READONLY (stale) reads" : "")}";
}
