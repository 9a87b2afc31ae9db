namespace Cairn.Api;

/// <summary>What the HTTP and gRPC APIs need from the node's configuration.</summary>
public sealed record ApiOptions
{
    /// <summary>Largest value a PUT may carry (the RESP limit, proto-max-bulk-len); larger gets 413.</summary>
    public long MaxValueBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>
    /// HTTP and gRPC calls served at once (watch streams aside); as many more wait, and past that a call gets
    /// 503 (gRPC: UNAVAILABLE) at once, so a flood of requests cannot hold unbounded memory.
    /// </summary>
    public int MaxConcurrentRequests { get; init; } = 512;

    /// <summary>This node's name, for health and metrics.</summary>
    public string NodeName { get; init; } = "";
}
