using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>The corrupt alarm is replicated state: raised and disarmed by log entries, kept across restarts and snapshots.</summary>
public class AlarmTests
{
    [Fact]
    public void TheAlarmIsRaisedAndDisarmedByEntriesAndKeptAcrossARestartAndASnapshot()
    {
        using var h = new Harness("rocksdb");
        Assert.Null(h.Machine.Alarm);
        Assert.Equal(KvReplyKind.Ok, h.Write(new KvCommand(KvOp.SetAlarm, [B("at index 9 the state of n3 differs")])).Kind);
        Assert.Equal("at index 9 the state of n3 differs", h.Machine.Alarm);
        h.Reopen();
        Assert.Equal("at index 9 the state of n3 differs", h.Machine.Alarm);
        var checkpoint = Path.Combine(Path.GetTempPath(), "cairn-alarm-cp-" + Guid.NewGuid().ToString("N"));
        h.Machine.Checkpoint(checkpoint);
        using var other = new Harness("rocksdb");
        other.Machine.Restore(checkpoint);
        Assert.Equal("at index 9 the state of n3 differs", other.Machine.Alarm);
        other.ContinueFromApplied();
        Assert.Equal(KvReplyKind.Ok, other.Write(new KvCommand(KvOp.SetAlarm, [[]])).Kind);
        Assert.Null(other.Machine.Alarm);
        Assert.StartsWith("ERR wrong number of arguments", other.Write(new KvCommand(KvOp.SetAlarm, [])).Text);
    }
}
