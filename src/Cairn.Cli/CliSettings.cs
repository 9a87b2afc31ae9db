namespace Cairn.Cli;

public enum Protocol
{
    Resp,
    Http,
    Grpc,
}

public enum OutputFormat
{
    Table,
    Json,
}

/// <summary>The global options, resolved: servers with ports, protocol, output format, per-request timeout.</summary>
public sealed record CliSettings(IReadOnlyList<string> Servers, Protocol Protocol, OutputFormat Format, TimeSpan Timeout)
{
    public static int DefaultPort(Protocol protocol) => protocol switch
    {
        Protocol.Http => 8080,
        Protocol.Grpc => 50051,
        _ => 6379,
    };

    /// <summary>"--server a,b:7001" with the protocol's default port where none is given.</summary>
    public static IReadOnlyList<string> ParseServers(string? text, Protocol protocol)
    {
        var servers = (text ?? "127.0.0.1").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return servers.Select(s =>
        {
            var (host, port) = Clients.ServerAddress.Parse(s, DefaultPort(protocol));
            return host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        }).ToList();
    }
}
