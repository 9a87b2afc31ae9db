using System.Net;

namespace Cairn.Server;

/// <summary>The server's effective settings, after file, environment and flags were merged.</summary>
public sealed record ServerOptions
{
    public string NodeId { get; init; } = "";

    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    public int Port { get; init; } = 6379;

    public string DataDirectory { get; init; } = "./data";

    public string? ConfigFile { get; init; }

    public int MaxOpenFiles { get; init; } = 1000;

    public long ProtoMaxBulkLength { get; init; } = 512L * 1024 * 1024;

    public long ClientQueryBufferLimit { get; init; } = 1024L * 1024 * 1024;

    public int MaxClients { get; init; } = 10000;

    public string LogLevel { get; init; } = "info";

    /// <summary>notify-keyspace-events, as Redis writes it ("" = none).</summary>
    public string NotifyKeyspaceEvents { get; init; } = "";
}
