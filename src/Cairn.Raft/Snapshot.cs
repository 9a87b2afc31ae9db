namespace Cairn.Raft;

/// <summary>
/// The application's state as of <see cref="Index"/> (whose entry had <see cref="Term"/>), with the
/// membership at that point. <see cref="Data"/> is opaque to the core: a small payload, or a token the
/// transport resolves (for example a RocksDB checkpoint sent in chunks).
/// </summary>
public sealed record Snapshot(ulong Index, ulong Term, ConfState Conf, ReadOnlyMemory<byte> Data);

/// <summary>Thrown by storage for entries that were compacted away (a snapshot covers them).</summary>
public sealed class CompactedException(ulong index) : Exception($"index {index} is compacted");
