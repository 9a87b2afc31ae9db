using Cairn.StateMachine.Hashes;

namespace Cairn.Server.Commands;

/// <summary>The hash commands: their table entries (Redis 7.0's arity, flags, keys, docs); the work is in Cairn.StateMachine.Hashes.</summary>
internal static class HashCommands
{
    private const CommandFlags W = CommandFlags.Write | CommandFlags.DenyOom;
    private const CommandFlags R = CommandFlags.ReadOnly;
    private const CommandFlags F = CommandFlags.Fast;
    private static readonly CommandGroup Hashes = new("hash", ["@hash"], defaultFirstKey: 1, defaultLastKey: 1, defaultStep: 1);

    public static IEnumerable<CommandDef> Definitions() =>
    [
        Hashes.Command("hset", -4, W | F, "Set the string value of a hash field", "key (field value)...", c => c.Run(HashSyntax.HSet(c.Argv())), since: "2.0.0", complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."),
        Hashes.Command("hsetnx", 4, W | F, "Set the value of a hash field, only if the field does not exist", "key field value", c => c.Run(HashSyntax.HSetNx(c.Argv())), since: "2.0.0"),
        Hashes.Command("hmset", -4, W | F, "Set multiple hash fields to multiple values", "key (field value)...", c => c.Run(HashSyntax.HMSet(c.Argv())), since: "2.0.0", complexity: "O(N) where N is the number of fields being set."),
        Hashes.Command("hget", 3, R | F, "Get the value of a hash field", "key field", c => c.Run(HashSyntax.HGet(c.Argv())), since: "2.0.0"),
        Hashes.Command("hmget", -3, R | F, "Get the values of all the given hash fields", "key field...", c => c.Run(HashSyntax.HMGet(c.Argv())), since: "2.0.0", complexity: "O(N) where N is the number of fields being requested."),
        Hashes.Command("hgetall", 2, R, "Get all the fields and values in a hash", "key", c => c.Run(HashSyntax.HGetAll(c.Argv())), since: "2.0.0", complexity: "O(N) where N is the size of the hash."),
        Hashes.Command("hkeys", 2, R, "Get all the fields in a hash", "key", c => c.Run(HashSyntax.HKeys(c.Argv())), since: "2.0.0", complexity: "O(N) where N is the size of the hash."),
        Hashes.Command("hvals", 2, R, "Get all the values in a hash", "key", c => c.Run(HashSyntax.HVals(c.Argv())), since: "2.0.0", complexity: "O(N) where N is the size of the hash."),
        Hashes.Command("hlen", 2, R | F, "Get the number of fields in a hash", "key", c => c.Run(HashSyntax.HLen(c.Argv())), since: "2.0.0"),
        Hashes.Command("hexists", 3, R | F, "Determine if a hash field exists", "key field", c => c.Run(HashSyntax.HExists(c.Argv())), since: "2.0.0"),
        Hashes.Command("hstrlen", 3, R | F, "Get the length of the value of a hash field", "key field", c => c.Run(HashSyntax.HStrLen(c.Argv())), since: "3.2.0"),
        Hashes.Command("hdel", -3, CommandFlags.Write | F, "Delete one or more hash fields", "key field...", c => c.Run(HashSyntax.HDel(c.Argv())), since: "2.0.0", complexity: "O(N) where N is the number of fields to be removed."),
        Hashes.Command("hincrby", 4, W | F, "Increment the integer value of a hash field by the given number", "key field increment:integer", c => c.Run(HashSyntax.HIncrBy(c.Argv())), since: "2.0.0"),
        Hashes.Command("hincrbyfloat", 4, W | F, "Increment the float value of a hash field by the given amount", "key field increment:double", c => c.Run(HashSyntax.HIncrByFloat(c.Argv())), since: "2.6.0"),
        Hashes.Command("hrandfield", -2, R, "Get one or multiple random fields from a hash", "key [count:integer [WITHVALUES]]", c => c.Run(HashSyntax.HRandField(c.Argv())), since: "6.2.0", complexity: "O(N) where N is the number of fields returned"),
        Hashes.Command("hscan", -3, R, "Incrementally iterate hash fields and associated values", "key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]", c => c.Run(HashSyntax.HScan(c.Argv())), since: "2.8.0", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    ];
}
