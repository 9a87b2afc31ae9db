using Cairn.Raft.Quorum;
using Cairn.Raft.Tracker;

namespace Cairn.Raft.Tests;

public class PiecesTests
{
    [Fact]
    public void CommittedIndexAgreesWithANaiveDefinition()
    {
        var random = new Random(1);
        for (var run = 0; run < 2000; run++)
        {
            var voters = Enumerable.Range(1, random.Next(1, 8)).Select(i => (ulong)i).ToArray();
            var acked = voters.ToDictionary(v => v, _ => (ulong)random.Next(0, 10));
            var config = new MajorityConfig(voters);
            // Naive: the largest index that at least a majority has acknowledged.
            var naive = Enumerable.Range(0, 11).Select(i => (ulong)i)
                .Where(i => acked.Values.Count(a => a >= i) > voters.Length / 2).Max();
            Assert.Equal(naive, config.CommittedIndex(id => acked[id]));
        }
    }

    [Fact]
    public void VotesAreWonLostOrPendingByMajority()
    {
        var config = new MajorityConfig([1, 2, 3, 4, 5]);
        Assert.Equal(VoteResult.Pending, config.Tally(id => id <= 2 ? true : null));
        Assert.Equal(VoteResult.Won, config.Tally(id => id <= 3 ? true : null));
        Assert.Equal(VoteResult.Lost, config.Tally(id => id <= 3 ? false : null));
        Assert.Equal(VoteResult.Pending, config.Tally(id => id <= 2 ? false : id == 3 ? true : null));
    }

    [Fact]
    public void InflightsFillFreeAndWrap()
    {
        var inflights = new Inflights(3);
        inflights.Add(5);
        inflights.Add(7);
        inflights.Add(9);
        Assert.True(inflights.Full);
        Assert.Throws<InvalidOperationException>(() => inflights.Add(10));
        inflights.FreeLE(7);
        Assert.Equal(1, inflights.Count);
        inflights.Add(11);
        inflights.Add(13);
        inflights.FreeFirstOne();
        Assert.Equal(2, inflights.Count);
        inflights.FreeLE(100);
        Assert.Equal(0, inflights.Count);
    }

    [Fact]
    public void ProgressFallsBackOnRejectionsButNeverBelowMatch()
    {
        var progress = new Progress(next: 11, maxInflight: 4, isLearner: false) { Match = 5 };
        Assert.False(progress.MaybeDecrTo(rejected: 3, matchHint: 2));
        Assert.True(progress.MaybeDecrTo(rejected: 10, matchHint: 2));
        Assert.Equal(6ul, progress.Next);
        progress.BecomeReplicate();
        progress.SentEntries(2, 8);
        Assert.Equal(9ul, progress.Next);
        Assert.False(progress.MaybeDecrTo(rejected: 4, matchHint: 0));
        Assert.True(progress.MaybeUpdate(8));
        Assert.Equal(8ul, progress.Match);
    }
}

public class ConfChangerTests
{
    [Fact]
    public void ChangesMatchANaiveModelAndKeepVotersAndLearnersApart()
    {
        var random = new Random(3);
        for (var run = 0; run < 500; run++)
        {
            var conf = ConfState.Of(1, 2, 3);
            var voters = new HashSet<ulong> { 1, 2, 3 };
            var learners = new HashSet<ulong>();
            for (var step = 0; step < 30; step++)
            {
                var change = new ConfChange((ConfChangeType)random.Next(3), (ulong)random.Next(1, 7));
                if (ConfChanger.Problem(conf, change) is not null)
                {
                    Assert.True(change.Type == ConfChangeType.AddLearner && voters.Contains(change.NodeId)
                        || change.Type == ConfChangeType.RemoveNode && voters.Count == 1 && voters.Contains(change.NodeId));
                    continue;
                }
                conf = ConfChanger.Apply(conf, change);
                switch (change.Type)
                {
                    case ConfChangeType.AddVoter:
                        learners.Remove(change.NodeId);
                        voters.Add(change.NodeId);
                        break;
                    case ConfChangeType.AddLearner:
                        learners.Add(change.NodeId);
                        break;
                    default:
                        voters.Remove(change.NodeId);
                        learners.Remove(change.NodeId);
                        break;
                }
                Assert.Equal(voters.Order(), conf.Voters);
                Assert.Equal(learners.Order(), conf.Learners);
                Assert.NotEmpty(conf.Voters);
                Assert.Empty(conf.Voters.Intersect(conf.Learners));
            }
        }
    }

    [Fact]
    public void ChangesRoundTripThroughTheirEntryEncoding()
    {
        var change = new ConfChange(ConfChangeType.AddLearner, ulong.MaxValue - 5);
        Assert.Equal(change, ConfChange.Decode(change.Encode()));
        Assert.Throws<FormatException>(() => ConfChange.Decode([9, 0, 0]));
    }
}
