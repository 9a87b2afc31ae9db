using Cairn.StateMachine.SortedSets;

namespace Cairn.Server.Commands;

/// <summary>The sorted-set commands: their table entries (Redis 7.0's arity, flags, keys, docs); the work is in Cairn.StateMachine.SortedSets.</summary>
internal static class SortedSetCommands
{
    private const CommandFlags W = CommandFlags.Write;
    private const CommandFlags D = CommandFlags.DenyOom;
    private const CommandFlags R = CommandFlags.ReadOnly;
    private const CommandFlags F = CommandFlags.Fast;
    private const CommandFlags M = CommandFlags.MovableKeys;
    private static readonly CommandGroup Z = new("sorted-set", ["@sortedset"], defaultFirstKey: 1, defaultLastKey: 1, defaultStep: 1);
    private const string Log = "O(log(N)) where N is the number of elements in the sorted set.";
    private const string RangeLog = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.";
    private const string Algebra = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.";
    private const string ScoreRange = "key min:double max:double";
    private const string LexRange = "key min:string max:string";

    public static IEnumerable<CommandDef> Definitions() =>
    [
        Z.Command("zadd", -4, W | D | F, "Add one or more members to a sorted set, or update its score if it already exists", "key [NX|XX] [GT|LT] [CH] [INCR] (score:double member)...", c => c.Run(ZSetSyntax.ZAdd(c.Argv())), since: "1.2.0", complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set."),
        Z.Command("zincrby", 4, W | D | F, "Increment the score of a member in a sorted set", "key increment:integer member", c => c.Run(ZSetSyntax.ZIncrBy(c.Argv())), since: "1.2.0", complexity: Log),
        Z.Command("zrem", -3, W | F, "Remove one or more members from a sorted set", "key member...", c => c.Run(ZSetSyntax.ZRem(c.Argv())), since: "1.2.0", complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."),
        Z.Command("zremrangebyrank", 4, W, "Remove all members in a sorted set within the given indexes", "key start:integer stop:integer", c => c.Run(ZSetSyntax.ZRemRangeByRank(c.Argv())), since: "2.0.0", complexity: RangeLog),
        Z.Command("zremrangebyscore", 4, W, "Remove all members in a sorted set within the given scores", ScoreRange, c => c.Run(ZSetSyntax.ZRemRangeByScore(c.Argv())), since: "1.2.0", complexity: RangeLog),
        Z.Command("zremrangebylex", 4, W, "Remove all members in a sorted set between the given lexicographical range", LexRange, c => c.Run(ZSetSyntax.ZRemRangeByLex(c.Argv())), since: "2.8.9", complexity: RangeLog),
        Z.Command("zpopmin", -2, W | F, "Remove and return members with the lowest scores in a sorted set", "key [count:integer]", c => c.Run(ZSetSyntax.ZPopMin(c.Argv())), since: "5.0.0", complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
        Z.Command("zpopmax", -2, W | F, "Remove and return members with the highest scores in a sorted set", "key [count:integer]", c => c.Run(ZSetSyntax.ZPopMax(c.Argv())), since: "5.0.0", complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
        Z.Command("zmpop", -4, W | M, "Remove and return members with scores in a sorted set", "numkeys:integer key... MIN|MAX [COUNT count:integer]", c => c.Run(ZSetSyntax.ZMPop(c.Argv())), firstKey: 0, since: "7.0.0", complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", acl: ["@sortedset"]),
        Z.Command("zrangestore", -5, W | D, "Store a range of members from sorted set into another key", "dst:key src:key min:string max:string [BYSCORE|BYLEX] [REV] [LIMIT offset:integer count:integer]", c => c.Run(ZSetSyntax.ZRangeStore(c.Argv())), lastKey: 2, since: "6.2.0", complexity: RangeLog),
        Z.Command("zunionstore", -4, W | D | M, "Add multiple sorted sets and store the resulting sorted set in a new key", "destination:key numkeys:integer key... [WEIGHTS weight:integer...] [AGGREGATE SUM|MIN|MAX]", c => c.Run(ZSetSyntax.ZUnionStore(c.Argv())), since: "2.0.0", complexity: Algebra),
        Z.Command("zinterstore", -4, W | D | M, "Intersect multiple sorted sets and store the resulting sorted set in a new key", "destination:key numkeys:integer key... [WEIGHTS weight:integer...] [AGGREGATE SUM|MIN|MAX]", c => c.Run(ZSetSyntax.ZInterStore(c.Argv())), since: "2.0.0", complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
        Z.Command("zdiffstore", -4, W | D | M, "Subtract multiple sorted sets and store the resulting sorted set in a new key", "destination:key numkeys:integer key...", c => c.Run(ZSetSyntax.ZDiffStore(c.Argv())), since: "6.2.0", complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
        Z.Command("zcard", 2, R | F, "Get the number of members in a sorted set", "key", c => c.Run(ZSetSyntax.ZCard(c.Argv())), since: "1.2.0"),
        Z.Command("zcount", 4, R | F, "Count the members in a sorted set with scores within the given values", ScoreRange, c => c.Run(ZSetSyntax.ZCount(c.Argv())), since: "2.0.0", complexity: Log),
        Z.Command("zlexcount", 4, R | F, "Count the number of members in a sorted set between a given lexicographical range", LexRange, c => c.Run(ZSetSyntax.ZLexCount(c.Argv())), since: "2.8.9", complexity: Log),
        Z.Command("zscore", 3, R | F, "Get the score associated with the given member in a sorted set", "key member", c => c.Run(ZSetSyntax.ZScore(c.Argv())), since: "1.2.0"),
        Z.Command("zmscore", -3, R | F, "Get the score associated with the given members in a sorted set", "key member...", c => c.Run(ZSetSyntax.ZMScore(c.Argv())), since: "6.2.0", complexity: "O(N) where N is the number of members being requested."),
        Z.Command("zrank", 3, R | F, "Determine the index of a member in a sorted set", "key member", c => c.Run(ZSetSyntax.ZRank(c.Argv())), since: "2.0.0", complexity: Log),
        Z.Command("zrevrank", 3, R | F, "Determine the index of a member in a sorted set, with scores ordered from high to low", "key member", c => c.Run(ZSetSyntax.ZRevRank(c.Argv())), since: "2.0.0", complexity: Log),
        Z.Command("zrange", -4, R, "Return a range of members in a sorted set", "key start:string stop:string [BYSCORE|BYLEX] [REV] [LIMIT offset:integer count:integer] [WITHSCORES]", c => c.Run(ZSetSyntax.ZRange(c.Argv())), since: "1.2.0", complexity: RangeLog),
        Z.Command("zrangebyscore", -4, R, "Return a range of members in a sorted set, by score", $"{ScoreRange} [WITHSCORES] [LIMIT offset:integer count:integer]", c => c.Run(ZSetSyntax.ZRangeByScore(c.Argv())), since: "1.0.5", complexity: RangeLog),
        Z.Command("zrevrangebyscore", -4, R, "Return a range of members in a sorted set, by score, with scores ordered from high to low", "key max:double min:double [WITHSCORES] [LIMIT offset:integer count:integer]", c => c.Run(ZSetSyntax.ZRevRangeByScore(c.Argv())), since: "2.2.0", complexity: RangeLog),
        Z.Command("zrangebylex", -4, R, "Return a range of members in a sorted set, by lexicographical range", $"{LexRange} [LIMIT offset:integer count:integer]", c => c.Run(ZSetSyntax.ZRangeByLex(c.Argv())), since: "2.8.9", complexity: RangeLog),
        Z.Command("zrevrangebylex", -4, R, "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "key max:string min:string [LIMIT offset:integer count:integer]", c => c.Run(ZSetSyntax.ZRevRangeByLex(c.Argv())), since: "2.8.9", complexity: RangeLog),
        Z.Command("zrevrange", -4, R, "Return a range of members in a sorted set, by index, with scores ordered from high to low", "key start:integer stop:integer [WITHSCORES]", c => c.Run(ZSetSyntax.ZRevRange(c.Argv())), since: "1.2.0", complexity: RangeLog),
        Z.Command("zrandmember", -2, R, "Get one or multiple random elements from a sorted set", "key [count:integer [WITHSCORES]]", c => c.Run(ZSetSyntax.ZRandMember(c.Argv())), since: "6.2.0", complexity: "O(N) where N is the number of elements returned"),
        Z.Command("zunion", -3, R | M, "Add multiple sorted sets", "numkeys:integer key... [WEIGHTS weight:integer...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]", c => c.Run(ZSetSyntax.ZUnion(c.Argv())), firstKey: 0, since: "6.2.0", complexity: Algebra),
        Z.Command("zinter", -3, R | M, "Intersect multiple sorted sets", "numkeys:integer key... [WEIGHTS weight:integer...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]", c => c.Run(ZSetSyntax.ZInter(c.Argv())), firstKey: 0, since: "6.2.0", complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
        Z.Command("zdiff", -3, R | M, "Subtract multiple sorted sets", "numkeys:integer key... [WITHSCORES]", c => c.Run(ZSetSyntax.ZDiff(c.Argv())), firstKey: 0, since: "6.2.0", complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
        Z.Command("zintercard", -3, R | M, "Intersect multiple sorted sets and return the cardinality of the result", "numkeys:integer key... [LIMIT limit:integer]", c => c.Run(ZSetSyntax.ZInterCard(c.Argv())), firstKey: 0, since: "7.0.0", complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."),
        Z.Command("zscan", -3, R, "Incrementally iterate sorted sets elements and associated scores", "key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]", c => c.Run(ZSetSyntax.ZScan(c.Argv())), since: "2.8.0", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    ];
}
