using Cairn.Raft;
using Cairn.Raft.Log;

namespace Cairn.Storage;

/// <summary>
/// The durable Raft logs of every group in a process. Writes are buffered and become durable together
/// at <see cref="Sync"/>: one fsync for all groups' appends and hard states (group commit). Until then
/// nothing written may be acknowledged (the Ready contract: persist, then send).
/// </summary>
public interface ILogStore : IDisposable
{
    /// <summary>Groups with anything stored.</summary>
    IReadOnlyCollection<ulong> Groups { get; }

    /// <summary>What the Raft core of <paramref name="groupId"/> reads: entries, hard state, membership, snapshot metadata.</summary>
    IRaftStorage Storage(ulong groupId);

    /// <summary>Appends entries, replacing any stored suffix from the first one's index (a conflict).</summary>
    void Append(ulong groupId, IReadOnlyList<Entry> entries);

    void SetHardState(ulong groupId, HardState state);

    /// <summary>The membership the application applied (persisted with its applied state).</summary>
    void SetConf(ulong groupId, ConfState conf);

    /// <summary>Records the metadata of a snapshot the application made; the log stays until compacted. The data lives with the state machine.</summary>
    void SetSnapshot(ulong groupId, Snapshot snapshot);

    /// <summary>Installs a snapshot received from the leader: the log restarts after it, whatever it held.</summary>
    void InstallSnapshot(ulong groupId, Snapshot snapshot);

    /// <summary>Drops entries up to <paramref name="index"/>, which a recorded snapshot must cover.</summary>
    void Compact(ulong groupId, ulong index);

    /// <summary>Bytes the log takes on disk (for operators); safe to read from any thread.</summary>
    long DiskBytes { get; }

    /// <summary>Makes everything written so far durable: one fdatasync.</summary>
    void Sync();
}
