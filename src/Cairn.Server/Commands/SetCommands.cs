using Cairn.StateMachine.Sets;

namespace Cairn.Server.Commands;

/// <summary>The set commands: their table entries (Redis 7.0's arity, flags, keys, docs); the work is in Cairn.StateMachine.Sets.</summary>
internal static class SetCommands
{
    private const CommandFlags W = CommandFlags.Write | CommandFlags.DenyOom;
    private const CommandFlags R = CommandFlags.ReadOnly;
    private const CommandFlags F = CommandFlags.Fast;
    private static readonly CommandGroup Sets = new("set", ["@set"], defaultFirstKey: 1, defaultLastKey: 1, defaultStep: 1);

    public static IEnumerable<CommandDef> Definitions() =>
    [
        Sets.Command("sadd", -3, W | F, "Add one or more members to a set", "key member...", c => c.Run(SetSyntax.SAdd(c.Argv())), complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
        Sets.Command("srem", -3, CommandFlags.Write | F, "Remove one or more members from a set", "key member...", c => c.Run(SetSyntax.SRem(c.Argv())), complexity: "O(N) where N is the number of members to be removed."),
        Sets.Command("smembers", 2, R, "Get all the members in a set", "key", c => c.Run(SetSyntax.SMembers(c.Argv())), complexity: "O(N) where N is the set cardinality."),
        Sets.Command("sismember", 3, R | F, "Determine if a given value is a member of a set", "key member", c => c.Run(SetSyntax.SIsMember(c.Argv()))),
        Sets.Command("smismember", -3, R | F, "Returns the membership associated with the given elements for a set", "key member...", c => c.Run(SetSyntax.SMIsMember(c.Argv())), since: "6.2.0", complexity: "O(N) where N is the number of elements being checked for membership"),
        Sets.Command("scard", 2, R | F, "Get the number of members in a set", "key", c => c.Run(SetSyntax.SCard(c.Argv()))),
        Sets.Command("spop", -2, CommandFlags.Write | F, "Remove and return one or multiple random members from a set", "key [count:integer]", c => c.Run(SetSyntax.SPop(c.Argv())), complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count."),
        Sets.Command("srandmember", -2, R, "Get one or multiple random members from a set", "key [count:integer]", c => c.Run(SetSyntax.SRandMember(c.Argv())), complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."),
        Sets.Command("smove", 4, CommandFlags.Write | F, "Move a member from one set to another", "source:key destination:key member", c => c.Run(SetSyntax.SMove(c.Argv())), lastKey: 2),
        Sets.Command("sinter", -2, R, "Intersect multiple sets", "key...", c => c.Run(SetSyntax.SInter(c.Argv())), lastKey: -1, complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
        Sets.Command("sintercard", -3, R | CommandFlags.MovableKeys, "Intersect multiple sets and return the cardinality of the result", "numkeys:integer key... [LIMIT limit:integer]", c => c.Run(SetSyntax.SInterCard(c.Argv())), firstKey: 0, since: "7.0.0", complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
        Sets.Command("sinterstore", -3, W, "Intersect multiple sets and store the resulting set in a key", "destination:key key...", c => c.Run(SetSyntax.SInterStore(c.Argv())), lastKey: -1, complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
        Sets.Command("sunion", -2, R, "Add multiple sets", "key...", c => c.Run(SetSyntax.SUnion(c.Argv())), lastKey: -1, complexity: "O(N) where N is the total number of elements in all given sets."),
        Sets.Command("sunionstore", -3, W, "Add multiple sets and store the resulting set in a key", "destination:key key...", c => c.Run(SetSyntax.SUnionStore(c.Argv())), lastKey: -1, complexity: "O(N) where N is the total number of elements in all given sets."),
        Sets.Command("sdiff", -2, R, "Subtract multiple sets", "key...", c => c.Run(SetSyntax.SDiff(c.Argv())), lastKey: -1, complexity: "O(N) where N is the total number of elements in all given sets."),
        Sets.Command("sdiffstore", -3, W, "Subtract multiple sets and store the resulting set in a key", "destination:key key...", c => c.Run(SetSyntax.SDiffStore(c.Argv())), lastKey: -1, complexity: "O(N) where N is the total number of elements in all given sets."),
        Sets.Command("sscan", -3, R, "Incrementally iterate Set elements", "key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]", c => c.Run(SetSyntax.SScan(c.Argv())), since: "2.8.0", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    ];
}
