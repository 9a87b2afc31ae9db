using Microsoft.Extensions.Logging;

namespace Cairn.Host;

/// <summary>Host log messages with stable event ids (100–199).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Cairn {Version} starting (pid {Pid}) with {Config}")]
    public static partial void Starting(ILogger logger, string version, int pid, string config);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Opened store at {Path}: {Keys} keys, applied index {Applied}")]
    public static partial void StoreOpened(ILogger logger, string path, long keys, long applied);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Ready to accept connections tcp on {Address}:{Port}")]
    public static partial void Ready(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "HTTP API on http://{EndPoint}")]
    public static partial void HttpReady(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "gRPC API on http://{EndPoint} (HTTP/2 without TLS)")]
    public static partial void GrpcReady(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Shutting down: finishing queued writes")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Raft node {Name} (raft id {Id}) listening for peers on {Listen}, advertised as {Address}; role {Role}")]
    public static partial void RaftStarted(ILogger logger, string name, string id, string listen, string address, string role);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Could not join the cluster yet: {Reason}; retrying in {DelayMs} ms")]
    public static partial void JoinFailed(ILogger logger, string reason, double delayMs);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Stopped; store closed cleanly")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "No cluster secret (--cluster-secret-file): the peer port {Listen} takes peers from loopback only")]
    public static partial void NoClusterSecret(ILogger logger, string listen);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Repaired the Raft log (--repair-wal): {What}")]
    public static partial void WalRepaired(ILogger logger, string what);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Generated a new cluster secret in {Path} (this node starts a new cluster): copy the file to every node that joins and pass it with --cluster-secret-file")]
    public static partial void GeneratedClusterSecret(ILogger logger, string path);

    [LoggerMessage(EventId = 110, Level = LogLevel.Critical, Message = "Stopped after a fatal error (exit code 3): {Reason}")]
    public static partial void StoppedOnFatal(ILogger logger, string reason);
}
