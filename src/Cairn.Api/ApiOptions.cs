namespace Cairn.Api;

/// <summary>What the HTTP and gRPC APIs need from the node's configuration.</summary>
public sealed record ApiOptions
{
    /// <summary>Largest value a PUT may carry (the RESP limit, proto-max-bulk-len); larger gets 413.</summary>
    public long MaxValueBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>This node's name, for health and metrics.</summary>
    public string NodeName { get; init; } = "";
}
