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

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void WritesGoOnAfterARestore(string engine)
    {
        // A follower applies entries, installs the leader's snapshot, then applies the entries after it: the
        // writes after the restore land in the restored store (once, a reused write batch still pointed at the
        // replaced database's column families and the process died).
        var directory = Path.Combine(Path.GetTempPath(), "cairn-cp-" + Guid.NewGuid().ToString("N"));
        using var source = new Harness(engine);
        using var target = new Harness(engine);
        source.Write(Set("a", "1"));
        source.Write(Set("b", "2"));
        source.Machine.Checkpoint(directory);
        // The target had applied two entries of its own; the restore takes it to the checkpoint's index 2.
        target.Write(Set("x", "old"));
        target.Write(Set("y", "old"));
        target.Machine.Restore(directory);

        target.WriteBatch(Set("c", "3"), Set("a", "4"));
        target.Write(new KvCommand(KvOp.Del, [B("b")]));
        target.Machine.ApplyClusterRecord(target.Machine.AppliedIndex + 1, B("member/y"), B("address"));
        Assert.Equal("4", target.Get("a"));
        Assert.Null(target.Get("b"));
        Assert.Equal("3", target.Get("c"));
        Assert.Equal(2, target.Machine.KeyCount);
        if (engine.StartsWith("rocksdb", StringComparison.Ordinal))
        {
            target.Machine.MakeDurable();
            target.Reopen();
            Assert.Equal("4", target.Get("a"));
            Assert.Equal("3", target.Get("c"));
            Assert.Null(target.Get("b"));
            Assert.Null(target.Get("x"));
            Assert.Equal(6, target.Machine.AppliedIndex);
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

    /// <summary>
    /// A replacement that fails half-way (here: the checkpoint is not there to move in) is a storage failure that
    /// stops the node, not an I/O error a caller may retry on a store it has already closed; the next open puts the
    /// old store back.
    /// </summary>
    [Fact]
    public void AFailedReplaceIsAStorageFailureAndTheNextOpenHasTheOldStore()
    {
        using var harness = new Harness("rocksdb");
        harness.Write(Set("a", "1"));
        harness.Machine.MakeDurable();
        var missing = Path.Combine(Path.GetTempPath(), "cairn-nothing-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<Cairn.Storage.StorageException>(() => harness.Machine.Restore(missing));
        Assert.Contains("replacing the store", error.Message);
        harness.Reopen();
        Assert.Equal("1", harness.Get("a"));
    }
}
