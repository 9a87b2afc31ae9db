namespace Cairn.Storage;

/// <summary>
/// An engine could not read or write its files (I/O error, corruption, a closed store). Never a verdict on a
/// command: whoever applies committed entries must stop the node on it, never turn it into a reply or retry.
/// </summary>
public sealed class StorageException(string message, Exception? inner = null) : Exception(message, inner);
