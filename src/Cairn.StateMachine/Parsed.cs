namespace Cairn.StateMachine;

/// <summary>
/// What a family's syntax makes of a command's arguments: the <see cref="KvCommand"/> to run, or Redis's error
/// for arguments it refuses. The same parse serves the RESP server and (later) scripts.
/// </summary>
public readonly struct Parsed
{
    private Parsed(KvCommand? command, string? error)
    {
        Command = command;
        Error = error;
    }

    public KvCommand? Command { get; }

    public string? Error { get; }

    public static implicit operator Parsed(KvCommand command) => new(command, null);

    public static Parsed Fail(string error) => new(null, error);

    /// <summary>Redis's arity error for a command, by the name it was called with (argv[0]).</summary>
    public static Parsed WrongArity(byte[][] argv) => Fail($"ERR wrong number of arguments for '{System.Text.Encoding.UTF8.GetString(argv[0]).ToLowerInvariant()}' command");
}
