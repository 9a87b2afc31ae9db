namespace Cairn.StateMachine;

/// <summary>Redis's error replies, word for word.</summary>
public static class KvErrors
{
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string NotFloat = "ERR value is not a valid float";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string FloatOverflow = "ERR increment would produce NaN or Infinity";
    public const string NoSuchKey = "ERR no such key";
    public const string TooBig = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public const string Syntax = "ERR syntax error";
    public const string OffsetOutOfRange = "ERR offset is out of range";

    public static string InvalidExpire(string command) => $"ERR invalid expire time in '{command}' command";
}
