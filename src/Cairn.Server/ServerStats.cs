namespace Cairn.Server;

/// <summary>Process-wide counters for INFO stats. Updated with interlocked operations.</summary>
public sealed class ServerStats
{
    public long ConnectionsReceived;
    public long RejectedConnections;
    public long CommandsProcessed;
    public long KeyspaceHits;
    public long KeyspaceMisses;
    public long ProtocolErrors;
    public long TotalNetInputBytes;
    public long TotalNetOutputBytes;
}
