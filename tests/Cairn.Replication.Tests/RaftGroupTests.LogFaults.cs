using Cairn.Raft;
using Cairn.StateMachine;
using Cairn.Storage;
using Cairn.Storage.Wal;
using Cairn.Storage.Wal.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Replication.Tests;

/// <summary>Faults under the Raft log (the WAL's file layer): a full disk is waited out, a failed fdatasync stops the node.</summary>
public sealed partial class RaftGroupTests
{
    /// <summary>
    /// A full disk: the write in flight waits, new writes get MISCONF, reads go on, every retry writes one copy of
    /// the unstable tail (it used to add another copy per cycle, until the node ran out of memory), and once space
    /// returns the write lands, once, and writes resume by themselves.
    /// </summary>
    [Fact]
    public async Task ASoleNodeWaitsOutAFullDiskWithBoundedMemoryAndLosesNothing()
    {
        var io = new FaultyIo();
        var logPath = Path.Combine(_directory, "log");
        using (var log = SegmentedLogStore.Open(logPath, io: io))
        {
            var machine = new KvStateMachine(new InMemoryKvEngine());
            await using var group = new RaftGroup(Options(1, 1) with { RequestTimeout = TimeSpan.FromSeconds(30) }, log, machine, null, NullLogger.Instance);
            await Until(() => group.SoftState.State == StateType.Leader, "leadership");
            Assert.Equal(KvReplyKind.Ok, (await group.ProposeAsync(new KvCommand(KvOp.Set, [B("k"), B("v")]))).Kind);
            io.FailWrites = true;
            var inFlight = group.ProposeAsync(new KvCommand(KvOp.Set, [B("during"), B(new string('x', 10_000))]));
            await Until(() => group.LastWriteError is not null, "the failed write noticed");
            var refused = await group.ProposeAsync(new KvCommand(KvOp.Set, [B("refused"), B("1")])).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("MISCONF Errors writing to the Raft log: No space left on device", refused.Text);
            Assert.Equal("v", (await group.ReadAsync(new KvCommand(KvOp.Get, [B("k")])).WaitAsync(TimeSpan.FromSeconds(10))).ToString());
            await Until(() => io.FailedWrites.Count >= 20, "twenty retries");
            lock (io.FailedWrites)
            {
                Assert.True(io.FailedWrites.Max() <= io.FailedWrites[0] + 128, $"retries grew: {string.Join(",", io.FailedWrites)}");
            }
            Assert.False(inFlight.IsCompleted);
            io.FailWrites = false;
            Assert.Equal(KvReplyKind.Ok, (await inFlight.WaitAsync(TimeSpan.FromSeconds(10))).Kind);
            await Until(() => group.LastWriteError is null, "the error cleared");
            Assert.Equal(KvReplyKind.Ok, (await group.ProposeAsync(new KvCommand(KvOp.Set, [B("after"), B("1")]))).Kind);
        }
        using (var log = SegmentedLogStore.Open(logPath))
        {
            var machine = new KvStateMachine(new InMemoryKvEngine());
            await using var group = new RaftGroup(Options(1, 1), log, machine, null, NullLogger.Instance);
            await Until(() => group.SoftState.State == StateType.Leader, "leadership after restart");
            Assert.Equal(10_000, (await group.ReadAsync(new KvCommand(KvOp.StrLen, [B("during")]))).Integer);
            Assert.Equal("1", (await group.ReadAsync(new KvCommand(KvOp.Get, [B("after")]))).ToString());
            Assert.Equal("(nil)", (await group.ReadAsync(new KvCommand(KvOp.Get, [B("refused")]))).ToString());
        }
    }

    /// <summary>A failed fdatasync stops the group (fail-stop), not a retry that a later "successful" sync would wrongly acknowledge.</summary>
    [Fact]
    public async Task AFailedFdatasyncStopsTheGroup()
    {
        var io = new FaultyIo();
        using var log = SegmentedLogStore.Open(Path.Combine(_directory, "log"), io: io);
        var fatal = new TaskCompletionSource<Exception>();
        var options = Options(1, 1) with { OnFatal = ex => fatal.TrySetResult(ex) };
        await using var group = new RaftGroup(options, log, new KvStateMachine(new InMemoryKvEngine()), null, NullLogger.Instance);
        await Until(() => group.SoftState.State == StateType.Leader, "leadership");
        Assert.Equal(KvReplyKind.Ok, (await group.ProposeAsync(new KvCommand(KvOp.Set, [B("a"), B("1")]))).Kind);
        io.FailSyncs = true;
        var reply = await group.ProposeAsync(new KvCommand(KvOp.Set, [B("b"), B("2")])).WaitAsync(TimeSpan.FromSeconds(20));
        // In the log file, if not durable: a restart may replay it, so its outcome is unknown.
        Assert.StartsWith("TIMEOUT the write's outcome is unknown: this node stopped: fdatasync of", reply.Text);
        var stopped = await fatal.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.IsType<WalSyncFailedException>(stopped);
        Assert.Same(group.Fatal, stopped);
    }

    /// <summary>A follower whose disk is full falls behind without taking the cluster down, and catches up once space returns.</summary>
    [Fact]
    public async Task AFollowerWithAFullDiskCatchesUpOnceSpaceReturns()
    {
        var faulty = new Dictionary<ulong, FaultyIo>();
        await using var three = await ThreeGroups.StartAsync(_directory, _ => new InMemoryKvEngine(), io: id => faulty[id] = new FaultyIo());
        var leader = three.Leader;
        var follower = three.Groups.Values.First(g => g != leader);
        faulty[follower.NodeId].FailWrites = true;
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(KvReplyKind.Ok, (await leader.ProposeAsync(new KvCommand(KvOp.Set, [B($"k{i}"), B("v")]))).Kind);
        }
        await Until(() => follower.LastWriteError is not null, "the follower's failed writes");
        Assert.Equal(0, three.Machines[follower.NodeId].KeyCount);
        faulty[follower.NodeId].FailWrites = false;
        await Until(() => three.Machines[follower.NodeId].KeyCount == 50, "the follower catching up");
        Assert.Null(follower.Fatal);
        Assert.Equal(three.Machines[leader.NodeId].Digest(), three.Machines[follower.NodeId].Digest());
    }
}
