using Cairn.Resp;
using Cairn.StateMachine;

namespace Cairn.Server.Commands;

internal static class StringCommands
{
    private const CommandFlags W = CommandFlags.Write | CommandFlags.DenyOom;
    private const CommandFlags R = CommandFlags.ReadOnly;
    private const CommandFlags F = CommandFlags.Fast;
    private static readonly CommandGroup Strings = new("string", ["@string"], defaultFirstKey: 1, defaultLastKey: 1, defaultStep: 1);
    private const string ExpirySyntax = "EX seconds:integer|PX milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time";

    public static IEnumerable<CommandDef> Definitions() =>
    [
        Strings.Command("get", 2, R | F, "Get the value of a key", "key", Get),
        Strings.Command("set", -3, W, "Set the string value of a key", $"key value [NX|XX] [GET] [{ExpirySyntax}|KEEPTTL]", Set),
        Strings.Command("setnx", 3, W | F, "Set the value of a key, only if the key does not exist", "key value", SetNx),
        Strings.Command("setex", 4, W, "Set the value and expiration of a key", "key seconds:integer value", c => SetEx(c, 1000), since: "2.0.0"),
        Strings.Command("psetex", 4, W, "Set the value and expiration in milliseconds of a key", "key milliseconds:integer value", c => SetEx(c, 1), since: "2.6.0"),
        Strings.Command("getset", 3, W | F, "Set the string value of a key and return its old value", "key value", GetSet),
        Strings.Command("getdel", 2, CommandFlags.Write | F, "Get the value of a key and delete the key", "key", c => c.Submit(new KvCommand(KvOp.GetDel, [c.Bytes(1)])), since: "6.2.0"),
        Strings.Command("getex", -2, CommandFlags.Write | F, "Get the value of a key and optionally set its expiration", $"key [{ExpirySyntax}|PERSIST]", GetEx, since: "6.2.0"),
        Strings.Command("mget", -2, R | F, "Get the values of all the given keys", "key...", c => c.Query(new KvCommand(KvOp.MGet, c.BytesFrom(1))), lastKey: -1, complexity: "O(N) where N is the number of keys to retrieve."),
        Strings.Command("mset", -3, W, "Set multiple keys to multiple values", "(key value)...", c => MSet(c, KvOp.MSet), lastKey: -1, step: 2, since: "1.0.1", complexity: "O(N) where N is the number of keys to set."),
        Strings.Command("msetnx", -3, W, "Set multiple keys to multiple values, only if none of the keys exist", "(key value)...", c => MSet(c, KvOp.MSetNx), lastKey: -1, step: 2, since: "1.0.1", complexity: "O(N) where N is the number of keys to set."),
        Strings.Command("append", 3, W | F, "Append a value to a key", "key value", c => c.Submit(new KvCommand(KvOp.Append, [c.Bytes(1), c.Bytes(2)])), since: "2.0.0"),
        Strings.Command("strlen", 2, R | F, "Get the length of the value stored in a key", "key", c => c.Query(new KvCommand(KvOp.StrLen, [c.Bytes(1)])), since: "2.2.0"),
        Strings.Command("getrange", 4, R, "Get a substring of the string stored at a key", "key start:integer end:integer", GetRange, since: "2.4.0", complexity: "O(N) where N is the length of the returned string."),
        Strings.Command("setrange", 4, W, "Overwrite part of a string at key starting at the specified offset", "key offset:integer value", SetRange, since: "2.2.0"),
        Strings.Command("incr", 2, W | F, "Increment the integer value of a key by one", "key", c => Incr(c, 1)),
        Strings.Command("decr", 2, W | F, "Decrement the integer value of a key by one", "key", c => Incr(c, -1)),
        Strings.Command("incrby", 3, W | F, "Increment the integer value of a key by the given amount", "key increment:integer", c => IncrBy(c, negate: false)),
        Strings.Command("decrby", 3, W | F, "Decrement the integer value of a key by the given number", "key decrement:integer", c => IncrBy(c, negate: true)),
        Strings.Command("incrbyfloat", 3, W | F, "Increment the float value of a key by the given amount", "key increment:double", IncrByFloat, since: "2.6.0"),
    ];

    private static void Get(CommandContext c)
    {
        var reply = c.Kv.ReadAsync(new KvCommand(KvOp.Get, [c.Bytes(1)]), c.Client.Consistency);
        if (reply.IsCompletedSuccessfully)
        {
            var result = reply.Result;
            Interlocked.Increment(ref result.Kind == KvReplyKind.Null ? ref c.Server.Stats.KeyspaceMisses : ref c.Server.Stats.KeyspaceHits);
            c.WriteReply(result);
            return;
        }
        c.Defer(reply);
    }

    private static void Set(CommandContext c)
    {
        if (ExpiryArguments.TryParse(c, 3, isSet: true, out var flags, out var milliseconds))
        {
            c.Submit(new KvCommand(KvOp.Set, [c.Bytes(1), c.Bytes(2)], milliseconds, flags: flags));
        }
    }

    private static void SetNx(CommandContext c) => c.Submit(new KvCommand(KvOp.SetNx, [c.Bytes(1), c.Bytes(2)]));

    private static void SetEx(CommandContext c, long unitMilliseconds)
    {
        if (!c.TryGetInteger(2, out var value))
        {
            return;
        }
        if (value <= 0 || value > long.MaxValue / unitMilliseconds || value * unitMilliseconds > long.MaxValue - c.Server.NowMilliseconds)
        {
            c.Error(KvErrors.InvalidExpire(c.Command.Name));
            return;
        }
        c.Submit(new KvCommand(KvOp.Set, [c.Bytes(1), c.Bytes(3)], value * unitMilliseconds, flags: KvFlags.ExpireRelative));
    }

    private static void GetSet(CommandContext c) => c.Submit(new KvCommand(KvOp.Set, [c.Bytes(1), c.Bytes(2)], flags: KvFlags.Get));

    private static void GetEx(CommandContext c)
    {
        if (!ExpiryArguments.TryParse(c, 2, isSet: false, out var flags, out var milliseconds))
        {
            return;
        }
        // Through the log even without options (then it changes nothing): a write command must reply
        // as a write, or a pipeline could order it wrongly against the writes around it.
        c.Submit(new KvCommand(KvOp.GetEx, [c.Bytes(1)], milliseconds, flags: flags));
    }

    private static void MSet(CommandContext c, KvOp op)
    {
        if (c.Count % 2 == 0)
        {
            c.WrongArity();
            return;
        }
        c.Submit(new KvCommand(op, c.BytesFrom(1)));
    }

    private static void GetRange(CommandContext c)
    {
        if (c.TryGetInteger(2, out var start) && c.TryGetInteger(3, out var end))
        {
            c.Query(new KvCommand(KvOp.GetRange, [c.Bytes(1)], start, end));
        }
    }

    private static void SetRange(CommandContext c)
    {
        if (!c.TryGetInteger(2, out var offset))
        {
            return;
        }
        if (offset < 0)
        {
            c.Error(KvErrors.OffsetOutOfRange);
            return;
        }
        // The size check comes after the key's type, as in Redis: Apply makes it.
        c.Submit(new KvCommand(KvOp.SetRange, [c.Bytes(1), c.Bytes(3)], offset));
    }

    private static void Incr(CommandContext c, long delta) => c.Submit(new KvCommand(KvOp.IncrBy, [c.Bytes(1)], delta));

    private static void IncrBy(CommandContext c, bool negate)
    {
        if (!c.TryGetInteger(2, out var delta))
        {
            return;
        }
        if (negate)
        {
            if (delta == long.MinValue)
            {
                c.Error("ERR decrement would overflow");
                return;
            }
            delta = -delta;
        }
        Incr(c, delta);
    }

    private static void IncrByFloat(CommandContext c)
    {
        // Redis checks the key's type before the increment: an unreadable one travels as NaN, refused after that check.
        var delta = RedisNumbers.TryParseDouble(c.Args[2], out var parsed) ? parsed : double.NaN;
        c.Submit(new KvCommand(KvOp.IncrByFloat, [c.Bytes(1)], @float: delta));
    }
}
