using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>Throws on reads of one key's record (a command bug or a storage fault there); everything else reaches the inner engine.</summary>
internal sealed class ThrowingEngine(IKvEngine inner, string key, Func<Exception> failure) : DelegatingEngine(inner)
{
    private readonly byte[] _dataKey = KeyCodec.DataKey(B(key));

    public override byte[]? Get(KvSpace space, ReadOnlySpan<byte> k) =>
        space == KvSpace.Data && k.SequenceEqual(_dataKey) ? throw failure() : base.Get(space, k);
}
