using System.Buffers.Binary;
using System.IO.Hashing;
using Cairn.Storage;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    private static readonly KvSpace[] DigestSpaces = [KvSpace.Data, KvSpace.Meta, KvSpace.Expiry, KvSpace.Names, KvSpace.Members, KvSpace.Scores];

    /// <summary>
    /// A hash of the whole replicated state (records, bookkeeping, indexes) in key order: two replicas at the same
    /// applied index have equal digests unless they diverged. The change history is left out, since each node trims
    /// it at its own compaction point. Reads committed state, so call it on the applier's thread to pin the index.
    /// </summary>
    public ulong Digest() => DigestOf(_engine);

    /// <summary>The digest of the state a store holds (a checkpoint opened on its own, say): see <see cref="Digest"/>.</summary>
    public static ulong DigestOf(IKvEngine engine)
    {
        var hash = new XxHash64();
        Span<byte> lengths = stackalloc byte[9];
        foreach (var space in DigestSpaces)
        {
            using var iterator = engine.NewIterator(space);
            for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
            {
                lengths[0] = (byte)space;
                BinaryPrimitives.WriteInt32LittleEndian(lengths[1..], iterator.Key.Length);
                BinaryPrimitives.WriteInt32LittleEndian(lengths[5..], iterator.Value.Length);
                hash.Append(lengths);
                hash.Append(iterator.Key);
                hash.Append(iterator.Value);
            }
        }
        return hash.GetCurrentHashAsUInt64();
    }
}
