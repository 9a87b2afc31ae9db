using System.Text;
using Cairn.Replication;
using Cairn.Server.Connections;

namespace Cairn.Server.Commands;

internal static class ConnectionCommands
{
    private const CommandFlags F = CommandFlags.Fast;
    private static readonly CommandGroup Connection = new("connection", ["@connection"]);

    public static IEnumerable<CommandDef> Definitions() =>
    [
        Connection.Command("ping", -1, F | CommandFlags.Subscribed, "Ping the server", "[message]", Ping),
        Connection.Command("echo", 2, F | CommandFlags.Loading | CommandFlags.Stale, "Echo the given string", "message", c => c.Writer.WriteBulk(c.Args[1])),
        Connection.Command("hello", -1, F | Handshake, "Handshake with Redis", "[protover:integer] [AUTH username password] [SETNAME clientname]", Hello, since: "6.0.0"),
        Connection.Command("quit", -1, F | Handshake | CommandFlags.Subscribed, "Close the connection", "", Quit),
        Connection.Command("reset", 1, F | Handshake | CommandFlags.Subscribed, "Reset the connection", "", Reset, since: "6.2.0"),
        Connection.Command("select", 2, F | CommandFlags.Loading | CommandFlags.Stale, "Change the selected database for the current connection", "index:integer", Select),
        Connection.Command("readonly", 1, F | CommandFlags.Loading | CommandFlags.Stale, "Enables read queries for a connection to a cluster replica node", "", c => SetConsistency(c, ReadConsistency.Stale), since: "3.0.0"),
        Connection.Command("readwrite", 1, F | CommandFlags.Loading | CommandFlags.Stale, "Disables read queries for a connection to a cluster replica node", "", c => SetConsistency(c, ReadConsistency.Linearizable), since: "3.0.0"),
        new CommandDef
        {
            Name = "client",
            Arity = -2,
            Group = "connection",
            Summary = "A container for client connection commands",
            Since = "2.4.0",
            Subcommands = CommandTable.Subs(
                Sub("id", 2, "Returns the client ID for the current connection", "", c => c.Writer.WriteInteger(c.Client.Id), "5.0.0"),
                Sub("setname", 3, "Set the current connection name", "connection-name", SetName, "2.6.9"),
                Sub("getname", 2, "Get the current connection name", "", GetName, "2.6.9"),
                Sub("info", 2, "Returns information about the current client connection.", "", c => c.Writer.WriteVerbatim(Describe(c, c.Client) + "\n"), "6.2.0"),
                Sub("list", -2, CommandFlags.Admin, "Get the list of client connections", "[TYPE NORMAL|TYPE MASTER|TYPE REPLICA|TYPE PUBSUB] [ID client-id:integer...]", List, "2.4.0", "O(N) where N is the number of client connections"),
                Sub("unblock", -3, CommandFlags.Admin, "Unblock a client blocked in a blocking command from a different connection", "client-id:integer [TIMEOUT|ERROR]", Unblock, "5.0.0", "O(log N) where N is the number of client connections"),
                Sub("setinfo", 4, "Set client or connection specific info", "LIB-NAME libname|LIB-VER libver", SetInfo, "7.2.0"),
                Sub("kill", -3, CommandFlags.Admin, "Kill the connection of a client", "[ID client-id:integer] [TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME YES|NO]", Kill, "2.4.0", "O(N) where N is the number of client connections"),
                Sub("help", 2, CommandFlags.None, "Show helpful text about the different subcommands", "", Help, "5.0.0", noScript: false)),
        },
    ];

    /// <summary>HELLO's and QUIT's flags: served in any state, before AUTH.</summary>
    private const CommandFlags Handshake = CommandFlags.NoAuth | CommandFlags.Stale | CommandFlags.Loading | CommandFlags.NoScript | CommandFlags.AllowBusy;

    private static CommandDef Sub(string name, int arity, string summary, string syntax, CommandHandler handler, string since, string complexity = "O(1)") =>
        Sub(name, arity, CommandFlags.None, summary, syntax, handler, since, complexity);

    private static CommandDef Sub(string name, int arity, CommandFlags flags, string summary, string syntax, CommandHandler handler, string since, string complexity = "O(1)", bool noScript = true) =>
        Connection.Command(name, arity, flags | (noScript ? CommandFlags.NoScript : CommandFlags.None) | CommandFlags.Loading | CommandFlags.Stale, summary, syntax, handler, since, complexity);

    private static void Ping(CommandContext c)
    {
        if (c.Count > 2)
        {
            c.WrongArity();
        }
        else if (c.Client.PubSub.IsSubscribed && c.Client.Protocol == 2)
        {
            // A RESP2 client in subscribed mode reads pushes only: PING answers in their shape.
            c.Writer.WriteArrayHeader(2);
            c.Writer.WriteBulk("pong"u8);
            c.Writer.WriteBulk(c.Count == 2 ? c.Args[1] : []);
        }
        else if (c.Count == 2)
        {
            c.Writer.WriteBulk(c.Args[1]);
        }
        else
        {
            c.Writer.WriteSimple("PONG"u8);
        }
    }

    private static void Quit(CommandContext c)
    {
        c.Writer.WriteOk();
        c.Client.CloseAfterReply = true;
    }

    /// <summary>networking.c resetCommand: the connection as new (subscriptions left without notice, RESP2, no name, READWRITE).</summary>
    private static void Reset(CommandContext c)
    {
        c.Server.Subscriptions.RemoveAll(c.Client);
        c.Client.Name = null;
        c.Client.Protocol = 2;
        c.Writer.Protocol = 2;
        c.Client.Consistency = ReadConsistency.Linearizable;
        c.Writer.WriteSimple("RESET"u8);
    }

    /// <summary>
    /// CLIENT UNBLOCK id [TIMEOUT|ERROR]: a client of this node waiting in a blocking command; its wait ends in the log
    /// (as a timeout, or with UNBLOCKED), so a pop that serves it first wins. 1 if it was waiting.
    /// </summary>
    private static void Unblock(CommandContext c)
    {
        if (c.Count > 4)
        {
            c.Error($"ERR unknown subcommand or wrong number of arguments for '{c.Args.GetString(1)}'. Try CLIENT HELP.");
            return;
        }
        long mode = 1;
        if (c.Count == 4)
        {
            mode = c.Args.Is(3, "TIMEOUT"u8) ? 1 : c.Args.Is(3, "ERROR"u8) ? 2 : 0;
        }
        if (!Resp.RespNumbers.TryParseInt64(c.Args[2], out var id))
        {
            c.Error("ERR value is not an integer or out of range");
            return;
        }
        if (mode == 0)
        {
            c.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
        if (c.Server.Clients.Find(id)?.BlockedBy is not { } waiting)
        {
            c.Writer.WriteInteger(0);
            return;
        }
        c.Defer(c.Kv.WriteAsync(new StateMachine.KvCommand(StateMachine.KvOps.Of(StateMachine.BlockingOp.Unblock), [waiting.Owner.ToBytes()], mode)));
    }

    private static void Select(CommandContext c)
    {
        if (!c.TryGetInteger(1, out var index))
        {
            return;
        }
        if (index != 0)
        {
            c.Error("ERR DB index is out of range");
            return;
        }
        c.Writer.WriteOk();
    }

    private static void SetConsistency(CommandContext c, ReadConsistency consistency)
    {
        c.Client.Consistency = consistency;
        c.Writer.WriteOk();
    }

    /// <summary>networking.c helloCommand, Redis 7.0. There is no authentication yet: the default user has no password.</summary>
    private static void Hello(CommandContext c)
    {
        var protocol = c.Client.Protocol;
        var next = 1;
        if (c.Count >= 2)
        {
            if (!Resp.RespNumbers.TryParseInt64(c.Args[1], out var version) || version is < 0 or > int.MaxValue)
            {
                c.Error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (version is < 2 or > 3)
            {
                c.Error("NOPROTO unsupported protocol version");
                return;
            }
            protocol = (int)version;
            next = 2;
        }
        string? name = null;
        for (var i = next; i < c.Count; i++)
        {
            var more = c.Count - i - 1;
            if (c.Args.Is(i, "AUTH"u8) && more >= 2)
            {
                if (!c.Args.Is(i + 1, "DEFAULT"u8))
                {
                    c.Error("WRONGPASS invalid username-password pair or user is disabled.");
                    return;
                }
                i += 2;
            }
            else if (c.Args.Is(i, "SETNAME"u8) && more >= 1)
            {
                name = c.Args.GetString(++i);
                if (!IsValidName(name))
                {
                    c.Error("ERR Client names cannot contain spaces, newlines or special characters.");
                    return;
                }
            }
            else
            {
                c.Error($"ERR Syntax error in HELLO option '{c.Args.GetString(i)}'");
                return;
            }
        }
        if (name is not null)
        {
            c.Client.Name = name.Length == 0 ? null : name;
        }
        c.Client.Protocol = protocol;
        c.Writer.Protocol = protocol;
        var w = c.Writer;
        w.WriteMapHeader(7);
        w.WriteBulk("server"u8);
        w.WriteBulk("redis"u8);
        w.WriteBulk("version"u8);
        w.WriteBulk(ServerContext.RedisVersion);
        w.WriteBulk("proto"u8);
        w.WriteInteger(protocol);
        w.WriteBulk("id"u8);
        w.WriteInteger(c.Client.Id);
        w.WriteBulk("mode"u8);
        w.WriteBulk("standalone"u8);
        w.WriteBulk("role"u8);
        w.WriteBulk("master"u8);
        w.WriteBulk("modules"u8);
        w.WriteArrayHeader(0);
    }

    private static void SetName(CommandContext c)
    {
        var name = c.Args.GetString(2);
        if (!IsValidName(name))
        {
            c.Error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        c.Client.Name = name.Length == 0 ? null : name;
        c.Writer.WriteOk();
    }

    private static void GetName(CommandContext c)
    {
        if (c.Client.Name is null)
        {
            c.Writer.WriteNull();
        }
        else
        {
            c.Writer.WriteBulk(c.Client.Name);
        }
    }

    private static void SetInfo(CommandContext c)
    {
        var value = c.Args.GetString(3);
        if (!IsValidName(value))
        {
            c.Error($"ERR {c.Args.GetString(2)} cannot contain spaces, newlines or special characters.");
            return;
        }
        if (c.Args.Is(2, "LIB-NAME"u8))
        {
            c.Client.LibName = value;
        }
        else if (c.Args.Is(2, "LIB-VER"u8))
        {
            c.Client.LibVersion = value;
        }
        else
        {
            c.Error($"ERR Unrecognized option '{c.Args.GetString(2)}'");
            return;
        }
        c.Writer.WriteOk();
    }

    private static void List(CommandContext c)
    {
        IEnumerable<ClientSession> clients = c.Server.Clients.All;
        if (c.Count > 2)
        {
            if (c.Count == 4 && c.Args.Is(2, "TYPE"u8))
            {
                if (!TryClientType(c, 3, out var ofType))
                {
                    return;
                }
                clients = clients.Where(ofType);
            }
            else if (c.Count > 3 && c.Args.Is(2, "ID"u8))
            {
                var ids = new HashSet<long>();
                for (var i = 3; i < c.Count; i++)
                {
                    if (!Resp.RespNumbers.TryParseInt64(c.Args[i], out var id) || id <= 0)
                    {
                        c.Error("ERR Invalid client ID");
                        return;
                    }
                    ids.Add(id);
                }
                clients = clients.Where(s => ids.Contains(s.Id));
            }
            else
            {
                c.SyntaxError();
                return;
            }
        }
        var text = new StringBuilder();
        foreach (var client in clients)
        {
            text.Append(Describe(c, client)).Append('\n');
        }
        c.Writer.WriteVerbatim(text.ToString());
    }

    private static void Kill(CommandContext c)
    {
        IEnumerable<ClientSession> targets;
        if (c.Count == 3)
        {
            // Old form: CLIENT KILL addr:port.
            var address = c.Args.GetString(2);
            var target = c.Server.Clients.All.FirstOrDefault(s => s.Address == address);
            if (target is null)
            {
                c.Error("ERR No such client");
                return;
            }
            KillOne(c, target);
            c.Writer.WriteOk();
            return;
        }
        if (c.Count % 2 != 0)
        {
            c.SyntaxError();
            return;
        }
        targets = c.Server.Clients.All;
        // networking.c clientKillCommand: the filter form skips the caller unless SKIPME no.
        var skipMe = true;
        for (var i = 2; i < c.Count; i += 2)
        {
            if (c.Args.Is(i, "ID"u8))
            {
                if (!Resp.RespNumbers.TryParseInt64(c.Args[i + 1], out var id) || id <= 0)
                {
                    c.Error("ERR client-id should be greater than 0");
                    return;
                }
                targets = targets.Where(s => s.Id == id);
            }
            else if (c.Args.Is(i, "ADDR"u8))
            {
                var address = c.Args.GetString(i + 1);
                targets = targets.Where(s => s.Address == address);
            }
            else if (c.Args.Is(i, "LADDR"u8))
            {
                var address = c.Args.GetString(i + 1);
                targets = targets.Where(s => s.LocalAddress == address);
            }
            else if (c.Args.Is(i, "TYPE"u8))
            {
                if (!TryClientType(c, i + 1, out var ofType))
                {
                    return;
                }
                targets = targets.Where(ofType);
            }
            else if (c.Args.Is(i, "USER"u8))
            {
                var user = c.Args.GetString(i + 1);
                if (user != "default")
                {
                    c.Error($"ERR No such user '{user}'");
                    return;
                }
            }
            else if (c.Args.Is(i, "SKIPME"u8) && (c.Args.Is(i + 1, "YES"u8) || c.Args.Is(i + 1, "NO"u8)))
            {
                skipMe = c.Args.Is(i + 1, "YES"u8);
            }
            else
            {
                c.SyntaxError();
                return;
            }
        }
        var killed = 0;
        foreach (var target in targets.Where(t => !skipMe || t != c.Client).ToList())
        {
            KillOne(c, target);
            killed++;
        }
        c.Writer.WriteInteger(killed);
    }

    /// <summary>
    /// A client type filter (CLIENT LIST, CLIENT KILL): PUBSUB is a client subscribed to anything, NORMAL any other
    /// (no replication links over RESP: MASTER and REPLICA match none); otherwise Redis's error, replied.
    /// </summary>
    private static bool TryClientType(CommandContext c, int index, out Func<ClientSession, bool> ofType)
    {
        ofType = c.Args.Is(index, "NORMAL"u8) ? s => !s.PubSub.IsSubscribed
            : c.Args.Is(index, "PUBSUB"u8) ? s => s.PubSub.IsSubscribed
            : _ => false;
        if (c.Args.Is(index, "NORMAL"u8) || c.Args.Is(index, "MASTER"u8) || c.Args.Is(index, "REPLICA"u8) || c.Args.Is(index, "SLAVE"u8) || c.Args.Is(index, "PUBSUB"u8))
        {
            return true;
        }
        c.Error($"ERR Unknown client type '{c.Args.GetString(index)}'");
        return false;
    }

    private static void KillOne(CommandContext c, ClientSession target)
    {
        if (target == c.Client)
        {
            c.Client.CloseAfterReply = true;
        }
        else
        {
            target.Kill?.Invoke();
        }
    }

    private static void Help(CommandContext c)
    {
        string[] lines =
        [
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GETNAME", "    Return the name of the current connection.",
            "ID", "    Return the ID of the current connection.",
            "INFO", "    Return information about the current client connection.",
            "KILL <ip:port>", "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are: ID <client-id>, TYPE (NORMAL|MASTER|REPLICA|PUBSUB), USER <username>,", "    ADDR <ip:port>, LADDR <ip:port>, SKIPME (YES|NO) (default YES: the calling client is spared).",
            "LIST [options ...]", "    Return information about client connections. Options: TYPE NORMAL|MASTER|REPLICA|PUBSUB, ID <id> [<id> ...].",
            "SETINFO <LIB-NAME|LIB-VER> <value>", "    Set client library name or version.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
            "HELP", "    Print this help.",
        ];
        c.Writer.WriteArrayHeader(lines.Length);
        foreach (var line in lines)
        {
            c.Writer.WriteSimple(line);
        }
    }

    /// <summary>One line of CLIENT LIST, with the fields Redis 7 prints.</summary>
    internal static string Describe(CommandContext c, ClientSession client)
    {
        var now = c.Server.NowMilliseconds;
        var age = (now - client.CreatedMilliseconds) / 1000;
        var idle = (now - client.LastCommandMilliseconds) / 1000;
        return $"id={client.Id} addr={client.Address} laddr={client.LocalAddress} fd=-1 name={client.Name} age={age} idle={idle} " +
            $"flags={Flags(client)} db=0 sub={client.PubSub.Channels.Count} psub={client.PubSub.Patterns.Count} ssub={client.PubSub.ShardChannels.Count} multi=-1 qbuf={client.QueryBufferBytes} " +
            $"qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events={(client.WaitingToWrite ? "rw" : "r")} cmd={client.LastCommand} " +
            $"user=default redir=-1 resp={client.Protocol} lib-name={client.LibName} lib-ver={client.LibVersion}";
    }

    /// <summary>CLIENT LIST's flags: P subscribed, r READONLY, N none.</summary>
    private static string Flags(ClientSession client)
    {
        var flags = (client.BlockedBy is not null ? "b" : "") + (client.PubSub.IsSubscribed ? "P" : "") + (client.Consistency == ReadConsistency.Stale ? "r" : "");
        return flags.Length == 0 ? "N" : flags;
    }

    private static bool IsValidName(string name)
    {
        foreach (var ch in name)
        {
            if (ch < '!' || ch > '~')
            {
                return false;
            }
        }
        return true;
    }
}
