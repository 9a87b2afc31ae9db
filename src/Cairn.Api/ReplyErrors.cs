using Cairn.StateMachine;

namespace Cairn.Api;

/// <summary>What kind of failure a Redis-style error reply ("CODE text") reports, for HTTP and gRPC statuses.</summary>
internal enum ErrorClass
{
    /// <summary>Bad input: the request can never succeed as sent (ERR ...).</summary>
    Invalid,

    /// <summary>No leader, not a member yet, shutting down (CLUSTERDOWN, LOADING): retry later.</summary>
    Unavailable,

    /// <summary>The write may or may not have been applied (TIMEOUT).</summary>
    UnknownOutcome,

    /// <summary>The node cannot write its log (MISCONF: a full or failing disk).</summary>
    StorageFailed,

    /// <summary>The key holds a value of another type (WRONGTYPE).</summary>
    WrongType,

    /// <summary>A bug on our side (ERR internal ...).</summary>
    Internal,
}

internal static class ReplyErrors
{
    public static ErrorClass Classify(string text)
    {
        return KvReply.CodeOf(text) switch
        {
            "CLUSTERDOWN" or "LOADING" or "TRYAGAIN" or "CORRUPT" => ErrorClass.Unavailable,
            "TIMEOUT" => ErrorClass.UnknownOutcome,
            "MISCONF" => ErrorClass.StorageFailed,
            "WRONGTYPE" => ErrorClass.WrongType,
            _ when text.Contains("shutting down", StringComparison.Ordinal) => ErrorClass.Unavailable,
            _ when text.StartsWith("ERR internal", StringComparison.Ordinal) => ErrorClass.Internal,
            _ => ErrorClass.Invalid,
        };
    }
}
