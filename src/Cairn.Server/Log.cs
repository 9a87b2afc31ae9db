using Microsoft.Extensions.Logging;

namespace Cairn.Server;

/// <summary>Server log messages with stable event ids (1000–1999).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Client {Id} connected from {Address}")]
    public static partial void ClientConnected(ILogger logger, long id, string address);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Client {Id} disconnected")]
    public static partial void ClientDisconnected(ILogger logger, long id);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Protocol error from client {Id} ({Address}): {Error}")]
    public static partial void ProtocolError(ILogger logger, long id, string address, string error);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Closing client {Id} ({Address}): query buffer of {Bytes} bytes exceeds client-query-buffer-limit")]
    public static partial void QueryBufferExceeded(ILogger logger, long id, string address, long bytes);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Closing client {Id} ({Address}) for overcoming of output buffer limits: {Bytes} reply bytes unsent (client-output-buffer-limit {Class})")]
    public static partial void OutputBufferExceeded(ILogger logger, long id, string address, long bytes, string @class);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Rejected client from {Address}: max number of clients reached")]
    public static partial void MaxClients(ILogger logger, string address);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Command {Command} failed on client {Id}")]
    public static partial void CommandFailed(ILogger logger, Exception ex, string command, long id);
}
