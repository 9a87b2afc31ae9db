using Cairn.Raft;
using Cairn.StateMachine;
using Cairn.Storage;

namespace Cairn.Replication.Tests;

/// <summary>Nodes whose wall clocks disagree: expiry follows the log's clock, never one node's clock behind it.</summary>
public sealed partial class RaftGroupTests
{
    /// <summary>
    /// A follower whose clock runs 5 s behind: once the log has seen a key's TTL pass (a later write stamped after
    /// it), the follower reads it as gone, and as leader it stamps its writes no earlier than the log, so
    /// SET NX finds the key gone. (It judged by its own clock: the key came back, and SET NX failed.)
    /// </summary>
    [Fact]
    public async Task AKeyTheLogHasSeenExpireNeverComesBackOnANodeWhoseClockIsBehind()
    {
        const ulong lagging = 2;
        await using var skewed = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine(),
            time: id => id == lagging ? new OffsetTimeProvider(TimeSpan.FromSeconds(-5)) : null);
        if (skewed.Leader.NodeId == lagging)
        {
            var other = skewed.Groups[1];
            await Until(() => other.Status.AppliedIndex == skewed.Leader.Status.AppliedIndex, "a follower caught up");
            Assert.Equal(KvReplyKind.Ok, (await skewed.Leader.TransferLeaderAsync(other.NodeId)).Kind);
            await Until(() => other.SoftState.State == StateType.Leader, "a leader with the right clock");
        }
        var right = skewed.Leader;
        var late = skewed.Groups[lagging];
        Assert.Equal(KvReplyKind.Ok, (await right.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")], 300, flags: KvFlags.ExpireRelative))).Kind);
        await Task.Delay(500);
        Assert.Equal(KvReplyKind.Ok, (await right.ProposeAsync(new KvCommand(KvOp.Set, [B("later"), B("x")]))).Kind);
        Assert.Equal("(nil)", (await right.ReadAsync(new KvCommand(KvOp.Get, [B("k")]))).ToString());
        await Until(() => late.Status.AppliedIndex >= right.Status.AppliedIndex, "the slow node applying the later write");
        Assert.Equal("(nil)", (await late.ReadAsync(new KvCommand(KvOp.Get, [B("k")]))).ToString());

        Assert.Equal(KvReplyKind.Ok, (await right.TransferLeaderAsync(lagging)).Kind);
        await Until(() => late.SoftState.State == StateType.Leader, "the slow node leading");
        Assert.Equal(KvReplyKind.Ok, (await late.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("w")], flags: KvFlags.Nx))).Kind);
        Assert.Equal("w", (await late.ReadAsync(new KvCommand(KvOp.Get, [B("k")]))).ToString());
    }
}
