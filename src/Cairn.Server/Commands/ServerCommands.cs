using Cairn.StateMachine;

namespace Cairn.Server.Commands;

internal static class ServerCommands
{
    private static readonly CommandGroup Server = new("server", ["@keyspace"]);

    public static IEnumerable<CommandDef> Definitions() =>
    [
        new CommandDef
        {
            Name = "command",
            Arity = -1,
            Flags = CommandFlags.Loading | CommandFlags.Stale,
            Group = "server",
            Summary = "Get array of Redis command details",
            Since = "2.8.13",
            Complexity = "O(N) where N is the total number of Redis commands",
            Handler = c => AllCommands(c),
            AclCategories = ["@connection"],
            Subcommands = CommandTable.Subs(
                CommandSub("count", 2, "Get total number of Redis commands", "", c => c.Writer.WriteInteger(c.Server.Commands.Count), "2.8.13"),
                CommandSub("info", -2, "Get array of specific Redis command details, or all when no argument is given", "[command-name...]", Info, "2.8.13"),
                CommandSub("docs", -2, "Get array of specific Redis command documentation", "[command-name...]", Docs, "7.0.0"),
                CommandSub("list", -2, "Get an array of Redis command names", "", List, "7.0.0"),
                CommandSub("help", 2, "Show helpful text about the different subcommands", "", Help, "5.0.0")),
        },
        Server.Command("info", -1, CommandFlags.Loading | CommandFlags.Stale, "Get information and statistics about the server", "[section...]", InfoCommand, acl: ["@dangerous"]),
        Server.Command("dbsize", 1, CommandFlags.ReadOnly | CommandFlags.Fast, "Return the number of keys in the selected database", "", c => c.Query(new KvCommand(KvOp.DbSize, []))),
        Server.Command("flushdb", -1, CommandFlags.Write, "Remove all keys from the current database", "[ASYNC|SYNC]", Flush, complexity: "O(N) where N is the number of keys in the selected database", acl: ["@keyspace", "@dangerous"]),
        Server.Command("flushall", -1, CommandFlags.Write, "Remove all keys from all databases", "[ASYNC|SYNC]", Flush, complexity: "O(N) where N is the total number of keys in all databases", acl: ["@keyspace", "@dangerous"]),
        Server.Command("time", 1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, "Return the current server time", "", Time, since: "2.6.0", acl: []),
        new CommandDef
        {
            Name = "config",
            Arity = -2,
            Group = "server",
            Summary = "A container for server configuration commands",
            Since = "2.0.0",
            Subcommands = CommandTable.Subs(
                Sub("get", -3, CommandFlags.Admin | CommandFlags.NoScript, "Get the values of configuration parameters", "parameter...", ConfigGet, "2.0.0", "O(N) when N is the number of configuration parameters provided"),
                Sub("set", -4, CommandFlags.Admin | CommandFlags.NoScript, "Set configuration parameters to the given values", "(parameter value)...", ConfigSet, "2.0.0", "O(N) when N is the number of configuration parameters provided"),
                Sub("resetstat", 2, CommandFlags.Admin | CommandFlags.NoScript, "Reset the stats returned by INFO", "", ConfigResetStat, "2.0.0"),
                Sub("help", 2, "Show helpful text about the different subcommands", "", ConfigHelp, "5.0.0")),
        },
    ];

    private static CommandDef CommandSub(string name, int arity, string summary, string syntax, CommandHandler handler, string since, string complexity = "O(1)") =>
        Server.Command(name, arity, CommandFlags.Loading | CommandFlags.Stale, summary, syntax, handler, since, complexity, acl: ["@connection"]);

    private static CommandDef Sub(string name, int arity, string summary, string syntax, CommandHandler handler, string since, string complexity = "O(1)") =>
        Sub(name, arity, CommandFlags.None, summary, syntax, handler, since, complexity);

    private static CommandDef Sub(string name, int arity, CommandFlags flags, string summary, string syntax, CommandHandler handler, string since, string complexity = "O(1)") =>
        Server.Command(name, arity, flags | CommandFlags.Loading | CommandFlags.Stale, summary, syntax, handler, since, complexity, acl: []);

    private static void AllCommands(CommandContext c)
    {
        var all = c.Server.Commands.All.ToList();
        c.Writer.WriteArrayHeader(all.Count);
        foreach (var command in all)
        {
            CommandDocs.WriteInfo(c.Writer, command);
        }
    }

    private static void Info(CommandContext c)
    {
        if (c.Count == 2)
        {
            AllCommands(c);
            return;
        }
        c.Writer.WriteArrayHeader(c.Count - 2);
        for (var i = 2; i < c.Count; i++)
        {
            var command = Resolve(c, c.Args.GetString(i));
            if (command is null)
            {
                c.Writer.WriteNull(); // Redis: addReplyNull, a null bulk in RESP2
            }
            else
            {
                CommandDocs.WriteInfo(c.Writer, command);
            }
        }
    }

    private static void Docs(CommandContext c)
    {
        var commands = c.Count == 2
            ? c.Server.Commands.All.ToList()
            : Enumerable.Range(2, c.Count - 2).Select(i => Resolve(c, c.Args.GetString(i))).OfType<CommandDef>().ToList();
        c.Writer.WriteMapHeader(commands.Count);
        foreach (var command in commands)
        {
            c.Writer.WriteBulk(command.FullName);
            CommandDocs.WriteDocs(c.Writer, command);
        }
    }

    /// <summary>"get" or "config|get".</summary>
    private static CommandDef? Resolve(CommandContext c, string name)
    {
        var bar = name.IndexOf('|');
        if (bar < 0)
        {
            return c.Server.Commands.Find(name);
        }
        var parent = c.Server.Commands.Find(name[..bar]);
        return parent?.Subcommands?.GetValueOrDefault(name[(bar + 1)..]);
    }

    private static void List(CommandContext c)
    {
        if (c.Count != 2)
        {
            c.SyntaxError();
            return;
        }
        var names = c.Server.Commands.All.Select(x => x.Name).ToList();
        c.Writer.WriteArrayHeader(names.Count);
        foreach (var name in names)
        {
            c.Writer.WriteBulk(name);
        }
    }

    private static void Help(CommandContext c) => WriteHelp(c,
    [
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)", "    Return details about all Redis commands.",
        "COUNT", "    Return the total number of commands in this Redis server.",
        "LIST", "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
        "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
        "HELP", "    Print this help.",
    ]);

    private static void InfoCommand(CommandContext c)
    {
        var sections = Enumerable.Range(1, c.Count - 1).Select(i => c.Args.GetString(i)).ToList();
        c.Writer.WriteVerbatim(InfoBuilder.Build(c.Server, sections));
    }

    private static void Flush(CommandContext c)
    {
        if (c.Count > 2 || (c.Count == 2 && !c.Args.Is(1, "ASYNC"u8) && !c.Args.Is(1, "SYNC"u8)))
        {
            c.SyntaxError();
            return;
        }
        c.Submit(new KvCommand(KvOp.FlushAll, []));
    }

    private static void Time(CommandContext c)
    {
        var now = c.Server.Time.GetUtcNow();
        var micros = (now - DateTimeOffset.UnixEpoch).Ticks / 10;
        c.Writer.WriteArrayHeader(2);
        c.Writer.WriteBulk((micros / 1_000_000).ToString());
        c.Writer.WriteBulk((micros % 1_000_000).ToString());
    }

    private static void ConfigGet(CommandContext c)
    {
        var pairs = c.Server.Config.Get(Enumerable.Range(2, c.Count - 2).Select(i => c.Args.GetString(i)));
        c.Writer.WriteMapHeader(pairs.Count);
        foreach (var (name, value) in pairs)
        {
            c.Writer.WriteBulk(name);
            c.Writer.WriteBulk(value);
        }
    }

    private static void ConfigSet(CommandContext c)
    {
        if (c.Count % 2 != 0)
        {
            c.WrongArity();
            return;
        }
        var pairs = new List<(string, string)>();
        for (var i = 2; i < c.Count; i += 2)
        {
            pairs.Add((c.Args.GetString(i), c.Args.GetString(i + 1)));
        }
        var error = c.Server.Config.Set(pairs);
        if (error is null)
        {
            c.Writer.WriteOk();
        }
        else
        {
            c.Error(error);
        }
    }

    private static void ConfigResetStat(CommandContext c)
    {
        var stats = c.Server.Stats;
        Interlocked.Exchange(ref stats.CommandsProcessed, 0);
        Interlocked.Exchange(ref stats.ConnectionsReceived, 0);
        Interlocked.Exchange(ref stats.RejectedConnections, 0);
        Interlocked.Exchange(ref stats.KeyspaceHits, 0);
        Interlocked.Exchange(ref stats.KeyspaceMisses, 0);
        Interlocked.Exchange(ref stats.ProtocolErrors, 0);
        Interlocked.Exchange(ref stats.TotalNetInputBytes, 0);
        Interlocked.Exchange(ref stats.TotalNetOutputBytes, 0);
        c.Writer.WriteOk();
    }

    private static void ConfigHelp(CommandContext c) => WriteHelp(c,
    [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
        "RESETSTAT", "    Reset statistics reported by the INFO command.",
        "HELP", "    Print this help.",
    ]);

    private static void WriteHelp(CommandContext c, string[] lines)
    {
        c.Writer.WriteArrayHeader(lines.Length);
        foreach (var line in lines)
        {
            c.Writer.WriteSimple(line);
        }
    }
}
