using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

public class SnapshotTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ACheckpointRestoresElsewhereExactlyAtItsIndex(string engine)
    {
        var directory = Path.Combine(Path.GetTempPath(), "cairn-cp-" + Guid.NewGuid().ToString("N"));
        using var source = new Harness(engine);
        using var target = new Harness(engine);
        source.Write(Set("a", "1"));
        source.Write(new KvCommand(KvOp.Set, [B("b"), B("2")], 60_000, flags: KvFlags.ExpireRelative));
        source.Machine.ApplyClusterRecord(3, B("member/x"), B("address"));
        var index = source.Machine.Checkpoint(directory);
        Assert.Equal(3, index);
        // Written after the checkpoint: not in it.
        source.Write(Set("c", "3"));

        target.Write(Set("x", "old"));
        Assert.Equal("old", target.Get("x"));
        target.Machine.Restore(directory);

        Assert.False(Directory.Exists(directory));
        Assert.Equal(3, target.Machine.AppliedIndex);
        Assert.Equal(2, target.Machine.KeyCount);
        Assert.Equal(1, target.Machine.ExpiresCount);
        Assert.Equal("1", target.Get("a"));
        Assert.Equal("2", target.Get("b"));
        Assert.Null(target.Get("c"));
        Assert.Null(target.Get("x"));
        Assert.Equal("address", System.Text.Encoding.UTF8.GetString(Assert.Single(target.Machine.ReadClusterRecords()).Value));
        if (engine.StartsWith("rocksdb", StringComparison.Ordinal))
        {
            target.Reopen();
            Assert.Equal(3, target.Machine.AppliedIndex);
            Assert.Equal("2", target.Get("b"));
            Assert.Null(target.Get("x"));
        }
    }

    [Fact]
    public void MakeDurableKeepsTheAppliedIndexAcrossAReopen()
    {
        using var harness = new Harness("rocksdb");
        harness.Write(Set("a", "1"));
        harness.Machine.MakeDurable();
        harness.Reopen();
        Assert.Equal(1, harness.Machine.AppliedIndex);
        Assert.Equal("1", harness.Get("a"));
    }
}
