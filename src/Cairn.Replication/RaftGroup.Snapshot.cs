using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

public sealed partial class RaftGroup
{
    /// <summary>Takes a snapshot now and compacts the log behind it.</summary>
    public Task<KvReply> SnapshotAsync() => Task.FromResult(KvReply.Error("ERR snapshots are not built yet"));

    /// <summary>A snapshot from the leader replaces the state machine and the log up to its index.</summary>
    private void InstallSnapshot(Snapshot snapshot)
    {
        // Snapshot transfer (a RocksDB checkpoint in chunks) is not built yet, and nothing compacts the
        // log, so a leader never sends one. Refuse loudly rather than diverge.
        throw new NotSupportedException($"cannot install a snapshot at index {snapshot.Index}: snapshot transfer is not built yet");
    }
}
