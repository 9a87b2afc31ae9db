namespace Cairn.Server.Commands;

/// <summary>COMMAND INFO flags, by Redis's names.</summary>
[Flags]
public enum CommandFlags
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    DenyOom = 1 << 2,
    Admin = 1 << 3,
    NoScript = 1 << 4,
    Loading = 1 << 5,
    Stale = 1 << 6,
    Fast = 1 << 7,
    NoAuth = 1 << 8,
    AllowBusy = 1 << 9,

    /// <summary>The keys' positions depend on the arguments (a numkeys argument): COMMAND INFO's first, last and step are 0.</summary>
    MovableKeys = 1 << 10,

    Pubsub = 1 << 11,

    Blocking = 1 << 14,

    /// <summary>Served to a RESP2 client in subscribed mode (the (P|S)(UN)SUBSCRIBE family, PING, QUIT, RESET); not a Redis flag.</summary>
    Subscribed = 1 << 12,

    /// <summary>Goes through the log as a write does though it writes no key (PUBLISH), so it pipelines with writes; not a Redis flag.</summary>
    Logged = 1 << 13,
}

internal delegate void CommandHandler(CommandContext context);

/// <summary>
/// A command as the table knows it: how it is called (arity as Redis counts it, the command name
/// included; negative = at least), where its keys are, how it is documented, and its handler.
/// A container command (CLIENT, CONFIG, COMMAND) has subcommands instead of a handler.
/// </summary>
internal sealed class CommandDef
{
    public required string Name { get; init; }

    public required int Arity { get; init; }

    public CommandFlags Flags { get; init; }

    public int FirstKey { get; init; }

    public int LastKey { get; init; }

    public int Step { get; init; }

    public required string Group { get; init; }

    public required string Summary { get; init; }

    public string Since { get; init; } = "1.0.0";

    public string Complexity { get; init; } = "O(1)";

    /// <summary>Argument syntax, parsed for COMMAND DOCS: "key value [NX|XX] [EX seconds:integer|KEEPTTL]".</summary>
    public string Syntax { get; init; } = "";

    public string[] AclCategories { get; init; } = [];

    public CommandHandler? Handler { get; init; }

    public CommandDef? Parent
    {
        get => _parent;
        set
        {
            _parent = value;
            _fullName = null;
        }
    }

    public Dictionary<string, CommandDef>? Subcommands { get; init; }

    /// <summary>"get", or "client|setname" for a subcommand: the name Redis's errors use. Built once: dispatch reads it per command.</summary>
    public string FullName => _fullName ??= Parent is null ? Name : $"{Parent.Name}|{Name}";

    private CommandDef? _parent;
    private string? _fullName;

    /// <summary>
    /// A write of the keyspace. Such a command replies through <see cref="CommandContext.Submit"/> (or with
    /// an error), never <see cref="CommandContext.Query"/>: a connection orders its pipeline by this flag.
    /// </summary>
    public bool IsWrite => (Flags & CommandFlags.Write) != 0;

    /// <summary>A write, or a command that proposes a log entry like one (PUBLISH): ordered in a pipeline as a write.</summary>
    public bool IsLogged => (Flags & (CommandFlags.Write | CommandFlags.Logged)) != 0;

    /// <summary>
    /// A read of the keyspace. Such a command replies only through <see cref="CommandContext"/> (Query,
    /// WriteReply, Error…), never the writer directly, so it may be pipelined behind other reads.
    /// </summary>
    public bool IsReadOnly => (Flags & CommandFlags.ReadOnly) != 0;

    public bool AcceptsArgumentCount(int count) => Arity > 0 ? count == Arity : count >= -Arity;
}

/// <summary>
/// Builds the definitions of one command group: its name, ACL categories and usual key positions
/// (first, last, step, as COMMAND INFO reports them), which each command may override. A command
/// with no first key has no keys at all.
/// </summary>
internal sealed class CommandGroup(string group, string[] aclCategories, int defaultFirstKey = 0, int defaultLastKey = 0, int defaultStep = 0)
{
    public CommandDef Command(string name, int arity, CommandFlags flags, string summary, string syntax, CommandHandler handler,
        string since = "1.0.0", string complexity = "O(1)", int? firstKey = null, int? lastKey = null, int? step = null, string[]? acl = null)
    {
        var first = firstKey ?? defaultFirstKey;
        return new CommandDef
        {
            Name = name,
            Arity = arity,
            Flags = flags,
            FirstKey = first,
            LastKey = first == 0 ? 0 : lastKey ?? defaultLastKey,
            Step = first == 0 ? 0 : step ?? defaultStep,
            Group = group,
            Summary = summary,
            Syntax = syntax,
            Since = since,
            Complexity = complexity,
            Handler = handler,
            AclCategories = acl ?? aclCategories,
        };
    }
}
