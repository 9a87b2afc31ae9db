using Cairn.Storage;

namespace Cairn.StateMachine.Tests;

/// <summary>An engine that passes everything to <paramref name="inner"/>; tests override what they watch or break.</summary>
public abstract class DelegatingEngine(IKvEngine inner) : IKvEngine
{
    public virtual byte[]? Get(KvSpace space, ReadOnlySpan<byte> key) => inner.Get(space, key);

    public virtual IKvIterator NewIterator(KvSpace space) => inner.NewIterator(space);

    public IKvSnapshot NewSnapshot() => inner.NewSnapshot();

    public IWriteBatch NewBatch() => inner.NewBatch();

    public virtual void Write(IWriteBatch batch, bool sync) => inner.Write(batch, sync);

    public void Checkpoint(string directory) => inner.Checkpoint(directory);

    public void ReplaceWith(string directory) => inner.ReplaceWith(directory);

    public IReadOnlyList<KeyValuePair<string, string>> GetStats() => inner.GetStats();

    public void Dispose() => inner.Dispose();
}
