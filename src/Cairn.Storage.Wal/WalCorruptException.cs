namespace Cairn.Storage.Wal;

/// <summary>A log that cannot be trusted: a damaged record before the last segment's tail, or a gap.</summary>
public sealed class WalCorruptException(string message) : Exception(message);
