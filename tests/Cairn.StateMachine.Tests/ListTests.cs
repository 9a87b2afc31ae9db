using Cairn.StateMachine.Lists;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Lists on the collection store (issue 20): elements by position between the header's head and tail, Redis 7.0's
/// replies, inserts and removals inside the list moving the shorter side, an emptied list deleting its key.
/// </summary>
public class ListTests
{
    private static string Items(KvReply reply) => string.Join(",", reply.Items!.Select(i => i.ToString()));

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void PushesAndPopsWorkAtBothEndsAndAnEmptiedListIsGone(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(3, h.Run(ListSyntax.LPush, "lpush", "l", "c", "b", "a").Integer);
        Assert.Equal(5, h.Run(ListSyntax.RPush, "rpush", "l", "d", "e").Integer);
        Assert.Equal("a,b,c,d,e", Items(h.Run(ListSyntax.LRange, "lrange", "l", "0", "-1")));
        Assert.Equal("e", h.Run(ListSyntax.LIndex, "lindex", "l", "-1").ToString());
        Assert.Equal("a", h.Run(ListSyntax.LIndex, "lindex", "l", "0").ToString());
        Assert.Equal(KvReplyKind.Null, h.Run(ListSyntax.LIndex, "lindex", "l", "5").Kind);
        Assert.Equal("e,d", Items(h.Run(ListSyntax.RPop, "rpop", "l", "2")));
        Assert.Equal("a", h.Run(ListSyntax.LPop, "lpop", "l").ToString());
        Assert.Equal(0, h.Run(ListSyntax.LPushX, "lpushx", "nokey", "x").Integer);
        Assert.Equal(3, h.Run(ListSyntax.RPushX, "rpushx", "l", "z").Integer);
        if (engine == "memory")
        {
            h.Rebuild();
        }
        else
        {
            h.Reopen();
        }
        Assert.Equal("b,c,z", Items(h.Run(ListSyntax.LRange, "lrange", "l", "-100", "100")));
        Assert.Equal(3, h.Run(ListSyntax.LLen, "llen", "l").Integer);
        Assert.Equal("b,c,z", Items(h.Run(ListSyntax.LPop, "lpop", "l", "10")));
        Assert.Equal(0, h.Machine.KeyCount);
        Assert.Equal(KvReplyKind.NullArray, h.Run(ListSyntax.LPop, "lpop", "l", "1").Kind);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ErrorsComeInRedisOrder(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("s", "v"));
        Assert.Equal("ERR no such key", h.Run(ListSyntax.LSet, "lset", "nokey", "x", "v").ToString());
        Assert.Equal(KvErrors.WrongType, h.Run(ListSyntax.LSet, "lset", "s", "x", "v").ToString());
        h.Run(ListSyntax.RPush, "rpush", "l", "a");
        Assert.Equal(KvErrors.NotInteger, h.Run(ListSyntax.LSet, "lset", "l", "x", "v").ToString());
        Assert.Equal("ERR index out of range", h.Run(ListSyntax.LSet, "lset", "l", "1", "v").ToString());
        Assert.Equal(KvReplyKind.Null, h.Run(ListSyntax.LIndex, "lindex", "nokey", "x").Kind);
        Assert.Equal(KvErrors.NotInteger, h.Run(ListSyntax.LIndex, "lindex", "l", "x").ToString());
        // LMOVE checks the destination only once the source has an element; nothing moves on WRONGTYPE.
        Assert.Equal(KvReplyKind.Null, h.Run(ListSyntax.LMove, "lmove", "nokey", "s", "LEFT", "RIGHT").Kind);
        Assert.Equal(KvErrors.WrongType, h.Run(ListSyntax.RPopLPush, "rpoplpush", "l", "s").ToString());
        Assert.Equal(1, h.Run(ListSyntax.LLen, "llen", "l").Integer);
        Assert.Equal(KvErrors.Syntax, ListSyntax.LInsert([B("linsert"), B("l"), B("middle"), B("a"), B("b")]).Error);
        Assert.Equal("ERR COUNT can't be negative", ListSyntax.LPos([B("lpos"), B("l"), B("a"), B("COUNT"), B("x")]).Error);
        Assert.StartsWith("ERR RANK can't be zero", ListSyntax.LPos([B("lpos"), B("l"), B("a"), B("RANK"), B("0")]).Error);
        Assert.Equal("ERR wrong number of arguments for 'lpop' command", ListSyntax.LPop([B("lpop"), B("l"), B("1"), B("2")]).Error);
        Assert.Equal("ERR count should be greater than 0", ListSyntax.LMPop([B("lmpop"), B("1"), B("l"), B("LEFT"), B("COUNT"), B("0")]).Error);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void LPosFindsRanksCountsAndStopsAtMaxLen(string engine)
    {
        using var h = new Harness(engine);
        h.Run(ListSyntax.RPush, "rpush", "l", "a", "b", "c", "a", "b", "c", "a");
        Assert.Equal(0, h.Run(ListSyntax.LPos, "lpos", "l", "a").Integer);
        Assert.Equal("3,0", Items(h.Run(ListSyntax.LPos, "lpos", "l", "a", "RANK", "-2", "COUNT", "0")));
        Assert.Equal("6", Items(h.Run(ListSyntax.LPos, "lpos", "l", "a", "COUNT", "0", "RANK", "-1", "MAXLEN", "3")));
        Assert.Equal(KvReplyKind.Null, h.Run(ListSyntax.LPos, "lpos", "l", "a", "RANK", "4").Kind);
        Assert.Equal("", Items(h.Run(ListSyntax.LPos, "lpos", "nokey", "a", "COUNT", "2")));
    }

    [Fact]
    public void LMoveOnOneKeyRotatesIt()
    {
        using var h = new Harness("rocksdb");
        h.Run(ListSyntax.RPush, "rpush", "l", "a", "b", "c");
        Assert.Equal("c", h.Run(ListSyntax.RPopLPush, "rpoplpush", "l", "l").ToString());
        Assert.Equal("c", h.Run(ListSyntax.LMove, "lmove", "l", "l", "LEFT", "RIGHT").ToString());
        Assert.Equal("a,b,c", Items(h.Run(ListSyntax.LRange, "lrange", "l", "0", "-1")));
        Assert.Equal(KvReplyKind.Array, h.Run(ListSyntax.LMPop, "lmpop", "2", "nokey", "l", "RIGHT", "COUNT", "2").Kind);
        Assert.Equal("a", Items(h.Run(ListSyntax.LRange, "lrange", "l", "0", "-1")));
    }

    /// <summary>
    /// Random pushes, pops, inserts, removals, trims, sets and moves against a model list, each in a batch of a few
    /// (so later writes read earlier ones through the overlay): the list always equals the model, every engine
    /// agrees, and the digest too.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomEditsMatchAModelListOnEveryEngine(int seed)
    {
        var random = new Random(seed);
        var model = new List<string>();
        var harnesses = new[] { "memory", "rocksdb", "rocksdb+cache" }.Select(engine => new Harness(engine)).ToList();
        try
        {
            for (var round = 0; round < 150; round++)
            {
                var batch = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Edit(random, model)).ToArray();
                foreach (var h in harnesses)
                {
                    h.WriteBatch(batch);
                }
                var expected = string.Join(",", model);
                foreach (var h in harnesses)
                {
                    Assert.Equal(expected, Items(h.Run(ListSyntax.LRange, "lrange", "l", "0", "-1")));
                    Assert.Equal(model.Count, h.Run(ListSyntax.LLen, "llen", "l").Integer);
                    if (model.Count > 0)
                    {
                        var i = random.Next(-model.Count, model.Count);
                        Assert.Equal(model[i < 0 ? model.Count + i : i], h.Run(ListSyntax.LIndex, "lindex", "l", $"{i}").ToString());
                    }
                }
                Assert.Single(harnesses.Select(h => h.Machine.Digest()).Distinct());
            }
        }
        finally
        {
            harnesses.ForEach(h => h.Dispose());
        }
    }

    /// <summary>One random edit of list "l", applied to the model as Redis would.</summary>
    private static KvCommand Edit(Random random, List<string> model)
    {
        string E() => ((char)('a' + random.Next(4))).ToString();
        var n = model.Count;
        switch (random.Next(9))
        {
            case 0 or 1:
                var pushed = Enumerable.Range(0, random.Next(1, 6)).Select(_ => E()).ToArray();
                var left = random.Next(2) == 0;
                foreach (var e in pushed)
                {
                    model.Insert(left ? 0 : model.Count, e);
                }
                return P(left ? ListSyntax.LPush : ListSyntax.RPush, ["push", "l", .. pushed]);
            case 2:
                var count = random.Next(0, 4);
                var fromTail = random.Next(2) == 0;
                var take = Math.Min(count, n);
                model.RemoveRange(fromTail ? n - take : 0, take);
                return P(fromTail ? ListSyntax.RPop : ListSyntax.LPop, "pop", "l", $"{count}");
            case 3:
                var (pivot, element, after) = (E(), E(), random.Next(2) == 0);
                var at = model.IndexOf(pivot);
                if (at >= 0)
                {
                    model.Insert(at + (after ? 1 : 0), element);
                }
                return P(ListSyntax.LInsert, "linsert", "l", after ? "AFTER" : "BEFORE", pivot, element);
            case 4:
                var (wanted, target) = (random.Next(-2, 3), E());
                var indexes = Enumerable.Range(0, n).Where(i => model[i] == target).ToList();
                if (wanted < 0)
                {
                    indexes.Reverse();
                }
                foreach (var i in indexes.Take(wanted == 0 ? n : Math.Abs(wanted)).OrderDescending())
                {
                    model.RemoveAt(i);
                }
                return P(ListSyntax.LRem, "lrem", "l", $"{wanted}", target);
            case 5:
                var (start, stop) = (random.Next(-3, 4), random.Next(-4, n + 2));
                var (first, last) = (start < 0 ? Math.Max(n + start, 0) : start, Math.Min(stop < 0 ? n + stop : stop, n - 1));
                var kept = first <= last ? model.GetRange(first, last - first + 1) : [];
                model.Clear();
                model.AddRange(kept);
                return P(ListSyntax.LTrim, "ltrim", "l", $"{start}", $"{stop}");
            case 6 when n > 0:
                var index = random.Next(-n, n);
                var value = E() + E();
                model[index < 0 ? n + index : index] = value;
                return P(ListSyntax.LSet, "lset", "l", $"{index}", value);
            case 7 when n > 0:
                var (from, to) = (random.Next(2) == 0 ? "LEFT" : "RIGHT", random.Next(2) == 0 ? "LEFT" : "RIGHT");
                var moved = from == "LEFT" ? model[0] : model[^1];
                model.RemoveAt(from == "LEFT" ? 0 : n - 1);
                model.Insert(to == "LEFT" ? 0 : model.Count, moved);
                return P(ListSyntax.LMove, "lmove", "l", "l", from, to);
            default:
                model.Add("z");
                return P(ListSyntax.RPush, "rpush", "l", "z");
        }
    }
}
