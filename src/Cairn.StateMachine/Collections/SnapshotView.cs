using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>A query's view: everything it reads comes from one engine snapshot, never half of a batch.</summary>
internal sealed class SnapshotView(IKvSnapshot snapshot, long now) : IReadView, IDisposable
{
    public long Now { get; } = now;

    public byte[]? Record(byte[] userKey) => snapshot.Get(KvSpace.Data, KeyCodec.DataKey(userKey));

    public byte[]? Get(KvSpace space, byte[] key) => snapshot.Get(space, key);

    public IKvIterator Cursor(KvSpace space, byte[] prefix) => new PrefixIterator(snapshot.NewIterator(space, prefix, KeyCodec.PrefixEnd(prefix)), prefix);

    public void Dispose() => snapshot.Dispose();
}
