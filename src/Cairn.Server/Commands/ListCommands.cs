using Cairn.StateMachine.Lists;

namespace Cairn.Server.Commands;

/// <summary>The list commands: their table entries (Redis 7.0's arity, flags, keys, docs); the work is in Cairn.StateMachine.Lists.</summary>
internal static class ListCommands
{
    private const CommandFlags W = CommandFlags.Write;
    private const CommandFlags D = CommandFlags.DenyOom;
    private const CommandFlags R = CommandFlags.ReadOnly;
    private const CommandFlags F = CommandFlags.Fast;
    private static readonly CommandGroup L = new("list", ["@list"], defaultFirstKey: 1, defaultLastKey: 1, defaultStep: 1);
    private const string Added = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";
    private const string Returned = "O(N) where N is the number of elements returned";

    public static IEnumerable<CommandDef> Definitions() =>
    [
        L.Command("lpush", -3, W | D | F, "Prepend one or multiple elements to a list", "key element...", c => c.Run(ListSyntax.LPush(c.Argv())), complexity: Added),
        L.Command("rpush", -3, W | D | F, "Append one or multiple elements to a list", "key element...", c => c.Run(ListSyntax.RPush(c.Argv())), complexity: Added),
        L.Command("lpushx", -3, W | D | F, "Prepend an element to a list, only if the list exists", "key element...", c => c.Run(ListSyntax.LPushX(c.Argv())), since: "2.2.0", complexity: Added),
        L.Command("rpushx", -3, W | D | F, "Append an element to a list, only if the list exists", "key element...", c => c.Run(ListSyntax.RPushX(c.Argv())), since: "2.2.0", complexity: Added),
        L.Command("lpop", -2, W | F, "Remove and get the first elements in a list", "key [count:integer]", c => c.Run(ListSyntax.LPop(c.Argv())), complexity: Returned),
        L.Command("rpop", -2, W | F, "Remove and get the last elements in a list", "key [count:integer]", c => c.Run(ListSyntax.RPop(c.Argv())), complexity: Returned),
        L.Command("lset", 4, W | D, "Set the value of an element in a list by its index", "key index:integer element:string", c => c.Run(ListSyntax.LSet(c.Argv()))),
        L.Command("linsert", 5, W | D, "Insert an element before or after another element in a list", "key BEFORE|AFTER pivot:string element:string", c => c.Run(ListSyntax.LInsert(c.Argv())), since: "2.2.0",
            complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot, plus the number of elements on the shorter side of it, which move."),
        L.Command("lrem", 4, W, "Remove elements from a list", "key count:integer element:string", c => c.Run(ListSyntax.LRem(c.Argv())), complexity: "O(N+M) where N is the length of the list and M is the number of elements removed."),
        L.Command("ltrim", 4, W, "Trim a list to the specified range", "key start:integer stop:integer", c => c.Run(ListSyntax.LTrim(c.Argv()))),
        L.Command("rpoplpush", 3, W | D, "Remove the last element in a list, prepend it to another list and return it", "source:key destination:key", c => c.Run(ListSyntax.RPopLPush(c.Argv())), since: "1.2.0", lastKey: 2),
        L.Command("lmove", 5, W | D, "Pop an element from a list, push it to another list and return it", "source:key destination:key LEFT|RIGHT LEFT|RIGHT", c => c.Run(ListSyntax.LMove(c.Argv())), since: "6.2.0", lastKey: 2),
        L.Command("lmpop", -4, W | CommandFlags.MovableKeys, "Pop elements from a list", "numkeys:integer key... LEFT|RIGHT [COUNT count:integer]", c => c.Run(ListSyntax.LMPop(c.Argv())), firstKey: 0, since: "7.0.0",
            complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned."),
        L.Command("llen", 2, R | F, "Get the length of a list", "key", c => c.Run(ListSyntax.LLen(c.Argv()))),
        L.Command("lindex", 3, R, "Get an element from a list by its index", "key index:integer", c => c.Run(ListSyntax.LIndex(c.Argv()))),
        L.Command("lrange", 4, R, "Get a range of elements from a list", "key start:integer stop:integer", c => c.Run(ListSyntax.LRange(c.Argv())), complexity: "O(log(S)+N) where S is the length of the list and N is the number of elements in the specified range."),
        L.Command("lpos", -3, R, "Return the index of matching elements on a list", "key element:string [RANK rank:integer] [COUNT num-matches:integer] [MAXLEN len:integer]", c => c.Run(ListSyntax.LPos(c.Argv())), since: "6.0.6",
            complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."),
    ];
}
