using System.Buffers.Text;
using Cairn.StateMachine;

namespace Cairn.Server.Commands;

internal static class KeyCommands
{
    private const CommandFlags W = CommandFlags.Write;
    private const CommandFlags R = CommandFlags.ReadOnly;
    private const CommandFlags F = CommandFlags.Fast;
    private static readonly CommandGroup Keys = new("generic", ["@keyspace"], defaultFirstKey: 1, defaultLastKey: 1, defaultStep: 1);
    private const string ExpireOptions = "[NX|XX|GT|LT]";

    public static IEnumerable<CommandDef> Definitions() =>
    [
        Keys.Command("del", -2, W, "Delete a key", "key...", c => c.Submit(new KvCommand(KvOp.Del, c.BytesFrom(1))), lastKey: -1, complexity: "O(N) where N is the number of keys that will be removed."),
        Keys.Command("unlink", -2, W | F, "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "key...", c => c.Submit(new KvCommand(KvOp.Del, c.BytesFrom(1))), lastKey: -1, since: "4.0.0"),
        Keys.Command("exists", -2, R | F, "Determine if a key exists", "key...", c => c.Query(new KvCommand(KvOp.Exists, c.BytesFrom(1))), lastKey: -1, complexity: "O(N) where N is the number of keys to check."),
        Keys.Command("touch", -2, R | F, "Alters the last access time of a key(s). Returns the number of existing keys specified.", "key...", c => c.Query(new KvCommand(KvOp.Exists, c.BytesFrom(1))), lastKey: -1, since: "3.2.1"),
        Keys.Command("type", 2, R | F, "Determine the type stored at key", "key", c => c.Query(new KvCommand(KvOp.Type, [c.Bytes(1)]))),
        Keys.Command("keys", 2, R, "Find all keys matching the given pattern", "pattern:pattern", c => c.Query(new KvCommand(KvOp.Keys, [c.Bytes(1)])), firstKey: 0, acl: ["@keyspace", "@dangerous"], complexity: "O(N) with N being the number of keys in the database"),
        Keys.Command("scan", -2, R, "Incrementally iterate the keys space", "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type]", Scan, firstKey: 0, since: "2.8.0", complexity: "O(1) for every call. O(N) for a complete iteration."),
        Keys.Command("randomkey", 1, R, "Return a random key from the keyspace", "", c => c.Query(new KvCommand(KvOp.RandomKey, [])), firstKey: 0),
        Keys.Command("copy", -3, W | CommandFlags.DenyOom, "Copy a key", "source:key destination:key [DB destination-db:integer] [REPLACE]", Copy, lastKey: 2, since: "6.2.0",
            complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."),
        new CommandDef
        {
            Name = "object",
            Arity = -2,
            Group = "generic",
            Summary = "A container for object introspection commands",
            Since = "2.2.3",
            AclCategories = [],
            Subcommands = CommandTable.Subs(
                ObjectSub("encoding", 0, "Inspect the internal encoding of a Redis object"),
                ObjectSub("refcount", 1, "Get the number of references to the value of the key"),
                ObjectSub("idletime", 2, "Get the time since a Redis object was last accessed"),
                ObjectSub("freq", 3, "Get the logarithmic access frequency counter of a Redis object"),
                Keys.Command("help", 2, CommandFlags.Loading | CommandFlags.Stale, "Show helpful text about the different subcommands", "", ObjectHelp, firstKey: 0, since: "6.2.0")),
        },
        Keys.Command("rename", 3, W, "Rename a key", "key newkey:key", c => c.Submit(new KvCommand(KvOp.Rename, [c.Bytes(1), c.Bytes(2)])), lastKey: 2),
        Keys.Command("renamenx", 3, W | F, "Rename a key, only if the new key does not exist", "key newkey:key", c => c.Submit(new KvCommand(KvOp.RenameNx, [c.Bytes(1), c.Bytes(2)])), lastKey: 2),
        Keys.Command("expire", -3, W | F, "Set a key's time to live in seconds", $"key seconds:integer {ExpireOptions}", c => Expire(c, 1000, absolute: false)),
        Keys.Command("pexpire", -3, W | F, "Set a key's time to live in milliseconds", $"key milliseconds:integer {ExpireOptions}", c => Expire(c, 1, absolute: false), since: "2.6.0"),
        Keys.Command("expireat", -3, W | F, "Set the expiration for a key as a UNIX timestamp", $"key unix-time-seconds:unix-time {ExpireOptions}", c => Expire(c, 1000, absolute: true), since: "1.2.0"),
        Keys.Command("pexpireat", -3, W | F, "Set the expiration for a key as a UNIX timestamp specified in milliseconds", $"key unix-time-milliseconds:unix-time {ExpireOptions}", c => Expire(c, 1, absolute: true), since: "2.6.0"),
        Keys.Command("ttl", 2, R | F, "Get the time to live for a key in seconds", "key", c => c.Query(new KvCommand(KvOp.Ttl, [c.Bytes(1)]))),
        Keys.Command("pttl", 2, R | F, "Get the time to live for a key in milliseconds", "key", c => c.Query(new KvCommand(KvOp.Ttl, [c.Bytes(1)], flags: KvFlags.Milliseconds)), since: "2.6.0"),
        Keys.Command("expiretime", 2, R | F, "Get the expiration Unix timestamp for a key", "key", c => c.Query(new KvCommand(KvOp.ExpireTime, [c.Bytes(1)])), since: "7.0.0"),
        Keys.Command("pexpiretime", 2, R | F, "Get the expiration Unix timestamp for a key in milliseconds", "key", c => c.Query(new KvCommand(KvOp.ExpireTime, [c.Bytes(1)], flags: KvFlags.Milliseconds)), since: "7.0.0"),
        Keys.Command("persist", 2, W | F, "Remove the expiration from a key", "key", c => c.Submit(new KvCommand(KvOp.Persist, [c.Bytes(1)])), since: "2.2.0"),
    ];

    /// <summary>expire.c expireGenericCommand / parseExtendedExpireArgumentsOrReply, Redis 7.0.</summary>
    private static void Expire(CommandContext c, long unitMilliseconds, bool absolute)
    {
        var flags = absolute ? KvFlags.ExpireAbsolute : KvFlags.ExpireRelative;
        for (var i = 3; i < c.Count; i++)
        {
            if (c.Args.Is(i, "NX"u8))
            {
                flags |= KvFlags.Nx;
            }
            else if (c.Args.Is(i, "XX"u8))
            {
                flags |= KvFlags.Xx;
            }
            else if (c.Args.Is(i, "GT"u8))
            {
                flags |= KvFlags.Gt;
            }
            else if (c.Args.Is(i, "LT"u8))
            {
                flags |= KvFlags.Lt;
            }
            else
            {
                c.Error($"ERR Unsupported option {c.Args.GetString(i)}");
                return;
            }
        }
        if ((flags & KvFlags.Nx) != 0 && (flags & (KvFlags.Xx | KvFlags.Gt | KvFlags.Lt)) != 0)
        {
            c.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if ((flags & KvFlags.Gt) != 0 && (flags & KvFlags.Lt) != 0)
        {
            c.Error("ERR GT and LT options at the same time are not compatible");
            return;
        }
        if (!c.TryGetInteger(2, out var when))
        {
            return;
        }
        if (when > long.MaxValue / unitMilliseconds || when < long.MinValue / unitMilliseconds)
        {
            c.Error(KvErrors.InvalidExpire(c.Command.Name));
            return;
        }
        when *= unitMilliseconds;
        if (!absolute && when > long.MaxValue - c.Server.NowMilliseconds)
        {
            c.Error(KvErrors.InvalidExpire(c.Command.Name));
            return;
        }
        c.Submit(new KvCommand(KvOp.Expire, [c.Bytes(1)], when, flags: flags));
    }

    private static CommandDef ObjectSub(string name, int what, string summary) =>
        Keys.Command(name, 3, R, summary, "key", c => c.Query(new KvCommand(KvOp.ObjectInfo, [c.Bytes(2)], what)), firstKey: 2, lastKey: 2, since: name == "freq" ? "4.0.0" : "2.2.3");

    private static readonly string[] ObjectHelpLines =
    [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>", "    Return the kind of internal representation used in order to store the value", "    associated with a <key>.",
        "FREQ <key>", "    Return the access frequency index of the <key>. The returned integer is", "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>", "    Return the idle time of the <key>, that is the approximated number of", "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>", "    Return the number of references of the value associated with the specified", "    <key>.",
        "HELP", "    Prints this help.",
    ];

    private static void ObjectHelp(CommandContext c)
    {
        c.Writer.WriteArrayHeader(ObjectHelpLines.Length);
        foreach (var line in ObjectHelpLines)
        {
            c.Writer.WriteSimple(line);
        }
    }

    /// <summary>COPY source destination [DB destination-db] [REPLACE]: one database, so DB is 0 or refused as SELECT refuses it.</summary>
    private static void Copy(CommandContext c)
    {
        var replace = false;
        for (var i = 3; i < c.Count; i++)
        {
            if (c.Args.Is(i, "REPLACE"u8))
            {
                replace = true;
            }
            else if (c.Args.Is(i, "DB"u8) && i + 1 < c.Count)
            {
                if (!c.TryGetInteger(++i, out var db))
                {
                    return;
                }
                if (db is > int.MaxValue or < int.MinValue)
                {
                    c.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
                    return;
                }
                if (db != 0)
                {
                    c.Error("ERR DB index is out of range");
                    return;
                }
            }
            else
            {
                c.SyntaxError();
                return;
            }
        }
        c.Submit(new KvCommand(KvOp.Copy, [c.Bytes(1), c.Bytes(2)], flags: replace ? KvFlags.Replace : KvFlags.None));
    }

    private static void Scan(CommandContext c)
    {
        if (!RedisNumbers.TryParseCursor(c.Args[1], out var cursor))
        {
            c.Error("ERR invalid cursor");
            return;
        }
        long count = 10;
        byte[] pattern = [], type = [];
        for (var i = 2; i < c.Count; i++)
        {
            var hasValue = i + 1 < c.Count;
            if (hasValue && c.Args.Is(i, "COUNT"u8))
            {
                if (!c.TryGetInteger(++i, out count))
                {
                    return;
                }
                if (count < 1)
                {
                    c.SyntaxError();
                    return;
                }
            }
            else if (hasValue && c.Args.Is(i, "MATCH"u8))
            {
                pattern = c.Bytes(++i);
                if (pattern is [(byte)'*'])
                {
                    pattern = [];
                }
            }
            else if (hasValue && c.Args.Is(i, "TYPE"u8))
            {
                type = c.Bytes(++i);
                for (var j = 0; j < type.Length; j++)
                {
                    type[j] = (byte)char.ToLowerInvariant((char)type[j]);
                }
            }
            else
            {
                c.SyntaxError();
                return;
            }
        }
        var start = cursor > long.MaxValue ? long.MaxValue : (long)cursor;
        c.Query(new KvCommand(KvOp.Scan, [pattern, type], start, count));
    }
}
