using System.Diagnostics.CodeAnalysis;

namespace Cairn.Resp;

/// <summary>
/// Malformed client input. The message is Redis's text after "ERR " (for example
/// "Protocol error: invalid bulk length"); the session replies with it and closes.
/// </summary>
public sealed class RespProtocolException(string message) : Exception(message)
{
    [DoesNotReturn]
    public static void Throw(string message) => throw new RespProtocolException(message);
}
