namespace Cairn.Storage;

/// <summary>
/// An ordered, durable key-value store with atomic batches. Implementations are safe for
/// concurrent readers alongside one writer; a batch becomes visible to readers all at once.
/// A failure of the store itself (I/O, corruption) throws <see cref="StorageException"/>.
/// </summary>
public interface IKvEngine : IDisposable
{
    /// <summary>The value under <paramref name="key"/>, or null. The returned array belongs to the caller.</summary>
    byte[]? Get(KvSpace space, ReadOnlySpan<byte> key);

    /// <summary>An iterator over a consistent view of <paramref name="space"/> as of this call. Dispose it on the thread that created it.</summary>
    IKvIterator NewIterator(KvSpace space);

    /// <summary>
    /// An iterator that sees only the keys in [<paramref name="lower"/>, <paramref name="upper"/>): the engine stops
    /// at the bounds instead of stepping over deleted keys past them (a queue's tombstones). Without support for
    /// bounds, the plain iterator (callers still check their range).
    /// </summary>
    IKvIterator NewIterator(KvSpace space, byte[] lower, byte[] upper) => NewIterator(space);

    /// <summary>
    /// A point-in-time view for reading several keys as of one state (never half of a batch). Dispose it on the
    /// thread that created it, soon: it pins the store's old versions.
    /// </summary>
    IKvSnapshot NewSnapshot();

    IWriteBatch NewBatch();

    /// <summary>
    /// Applies the batch atomically. With <paramref name="sync"/> the batch is on stable storage
    /// (fsynced) before this returns; without it, a crash may lose it but never tears it.
    /// </summary>
    void Write(IWriteBatch batch, bool sync);

    /// <summary>
    /// Writes a consistent, durable copy of the whole store into <paramref name="directory"/> (which
    /// must not exist): what a snapshot sends. Safe while writes continue.
    /// </summary>
    void Checkpoint(string directory);

    /// <summary>
    /// Replaces the whole store with the copy in <paramref name="directory"/> (made by <see cref="Checkpoint"/>,
    /// possibly on another node), which it takes over. Readers see the old store or the new one, never a mix;
    /// a crash midway leaves one of the two.
    /// </summary>
    void ReplaceWith(string directory);

    /// <summary>Operator-facing statistics (name → value) for INFO and metrics.</summary>
    IReadOnlyList<KeyValuePair<string, string>> GetStats();
}

/// <summary>Reads of the store as of the moment it was taken.</summary>
public interface IKvSnapshot : IDisposable
{
    /// <summary>The value under <paramref name="key"/> then, or null. The returned array belongs to the caller.</summary>
    byte[]? Get(KvSpace space, ReadOnlySpan<byte> key);

    /// <summary>An iterator over <paramref name="space"/> as of the snapshot; dispose it before the snapshot.</summary>
    IKvIterator NewIterator(KvSpace space);

    /// <summary>
    /// An iterator that sees only the keys in [<paramref name="lower"/>, <paramref name="upper"/>): the engine stops
    /// at the bounds instead of stepping over deleted keys past them (a queue's tombstones). Without support for
    /// bounds, the plain iterator (callers still check their range).
    /// </summary>
    IKvIterator NewIterator(KvSpace space, byte[] lower, byte[] upper) => NewIterator(space);
}

/// <summary>
/// A cursor, forward (Seek, SeekToFirst, then Next) or backward (SeekForPrev, SeekToLast, then Prev): move in the
/// direction of the last seek. Key and Value spans are valid until the next move or dispose.
/// </summary>
public interface IKvIterator : IDisposable
{
    /// <summary>Positions at the first key ≥ <paramref name="key"/>.</summary>
    void Seek(ReadOnlySpan<byte> key);

    void SeekToFirst();

    /// <summary>Positions at the last key ≤ <paramref name="key"/>.</summary>
    void SeekForPrev(ReadOnlySpan<byte> key);

    void SeekToLast();

    bool Valid { get; }

    ReadOnlySpan<byte> Key { get; }

    ReadOnlySpan<byte> Value { get; }

    void Next();

    void Prev();
}

/// <summary>Buffered writes, applied in the order they were added.</summary>
public interface IWriteBatch : IDisposable
{
    int Count { get; }

    void Put(KvSpace space, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    void Delete(KvSpace space, ReadOnlySpan<byte> key);

    /// <summary>Deletes every key k with <paramref name="from"/> ≤ k &lt; <paramref name="to"/>.</summary>
    void DeleteRange(KvSpace space, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to);

    void Clear();
}
