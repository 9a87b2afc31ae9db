namespace Cairn.Storage.Wal;

/// <summary>A log that cannot be trusted: a damaged record before the last segment's tail, or a gap.</summary>
public sealed class WalCorruptException(string message) : Exception(message);

/// <summary>
/// fdatasync of the log failed: what reached the disk is unknown, and a later sync may report success for pages
/// that never got there, so the log cannot be written again by this process. Fatal: stop, and let replay
/// recover. Not an <see cref="IOException"/>, so no caller mistakes it for a write that may be retried.
/// </summary>
public sealed class WalSyncFailedException(string message, Exception inner) : Exception(message, inner);
