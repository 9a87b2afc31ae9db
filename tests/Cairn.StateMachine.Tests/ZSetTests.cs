using Cairn.StateMachine.SortedSets;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Sorted sets on the collection store (issue 20): Redis 7.0's replies on every engine, and the header's score
/// floor and ceiling, which pops move and writes below or above them move back, never hiding a member.
/// </summary>
public class ZSetTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void RangesRanksAndPopsAnswerAsRedis(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(4, h.Run(ZSetSyntax.ZAdd, "zadd", "z", "1", "a", "2", "b", "3", "c", "-0", "zero").Integer);
        Assert.Equal("[zero, a, b, c]", h.Run(ZSetSyntax.ZRange, "zrange", "z", "0", "-1").ToString());
        Assert.Equal("[c, b]", h.Run(ZSetSyntax.ZRange, "zrange", "z", "+inf", "(1", "BYSCORE", "REV", "LIMIT", "0", "2").ToString());
        Assert.Equal(2, h.Run(ZSetSyntax.ZRank, "zrank", "z", "b").Integer);
        Assert.Equal(1, h.Run(ZSetSyntax.ZRevRank, "zrevrank", "z", "b").Integer);
        Assert.Equal(2, h.Run(ZSetSyntax.ZCount, "zcount", "z", "(0", "2").Integer);
        Assert.Equal("3.5", h.Run(ZSetSyntax.ZIncrBy, "zincrby", "z", "1.5", "b").ToString());
        Assert.Equal("[[zero, 0]]", h.Run(ZSetSyntax.ZPopMin, "zpopmin", "z", "1").ToString());
        Assert.Equal("[[b, 3.5], [c, 3]]", h.Run(ZSetSyntax.ZPopMax, "zpopmax", "z", "2").ToString());
        Assert.Equal("[[a, 1]]", h.Run(ZSetSyntax.ZRange, "zrange", "z", "0", "-1", "WITHSCORES").ToString());
        Assert.Equal("ERR min or max is not a float", ZSetSyntax.ZCount([B("zcount"), B("z"), B("x"), B("1")]).Error);
    }

    /// <summary>
    /// Pops raise the floor (and lower the ceiling); a member added below the floor or above the ceiling moves it
    /// back. Interleaved at random against a model, across batches: every read sees every member.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ScoreBoundsNeverHideAMember(int seed)
    {
        var random = new Random(seed);
        var model = new SortedDictionary<string, double>(StringComparer.Ordinal);
        using var h = new Harness("rocksdb");
        string Expected() => "[" + string.Join(", ", model.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key)) + "]";
        for (var round = 0; round < 300; round++)
        {
            var batch = new List<KvCommand>();
            for (var i = random.Next(1, 4); i > 0; i--)
            {
                switch (random.Next(4))
                {
                    case 0 or 1:
                        var (member, score) = ($"m{random.Next(40)}", random.Next(-50, 50));
                        model[member] = score;
                        batch.Add(P(ZSetSyntax.ZAdd, "zadd", "z", $"{score}", member));
                        break;
                    case 2 when model.Count > 0:
                        var low = model.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First().Key;
                        model.Remove(low);
                        batch.Add(P(ZSetSyntax.ZPopMin, "zpopmin", "z"));
                        break;
                    case 3 when model.Count > 0:
                        var high = model.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Last().Key;
                        model.Remove(high);
                        batch.Add(P(ZSetSyntax.ZPopMax, "zpopmax", "z"));
                        break;
                }
            }
            h.WriteBatch([.. batch]);
            Assert.Equal(Expected(), h.Run(ZSetSyntax.ZRange, "zrange", "z", "0", "-1").ToString());
            Assert.Equal(model.Count, h.Run(ZSetSyntax.ZCount, "zcount", "z", "-inf", "+inf").Integer);
            if (model.Count > 0)
            {
                var any = model.Keys.ElementAt(random.Next(model.Count));
                var rank = model.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToList().IndexOf(any);
                Assert.Equal(rank, h.Run(ZSetSyntax.ZRank, "zrank", "z", any).Integer);
            }
        }
    }
}
