using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// The member writes of the batch being applied (members and scores spaces), so that reads later in the batch see
/// them before they reach the engine: puts, deletions (null), and dropped ranges, which hide the engine's keys in
/// them (an overlay key written after the drop shows again). Sorted, so iteration can merge it with the engine's.
/// </summary>
internal sealed class BatchOverlay
{
    private readonly SortedDictionary<byte[], byte[]?> _members = new(ByteArrayComparer.Instance);
    private readonly SortedDictionary<byte[], byte[]?> _scores = new(ByteArrayComparer.Instance);
    private readonly List<(KvSpace Space, byte[] From, byte[] To)> _dropped = [];

    public bool IsEmpty => _members.Count == 0 && _scores.Count == 0 && _dropped.Count == 0;

    private SortedDictionary<byte[], byte[]?> Of(KvSpace space) => space switch
    {
        KvSpace.Members => _members,
        KvSpace.Scores => _scores,
        _ => throw new ArgumentOutOfRangeException(nameof(space), space, "the overlay holds member spaces only"),
    };

    public void Put(KvSpace space, byte[] key, byte[] value) => Of(space)[key] = value;

    public void Delete(KvSpace space, byte[] key) => Of(space)[key] = null;

    /// <summary>What the batch says of a key: true with its value (null: deleted) when the batch wrote it or dropped it.</summary>
    public bool TryGet(KvSpace space, byte[] key, out byte[]? value)
    {
        if (Of(space).TryGetValue(key, out value))
        {
            return true;
        }
        value = null;
        return IsDropped(space, key);
    }

    public bool IsDropped(KvSpace space, ReadOnlySpan<byte> key)
    {
        foreach (var (s, from, to) in _dropped)
        {
            if (s == space && key.SequenceCompareTo(from) >= 0 && key.SequenceCompareTo(to) < 0)
            {
                return true;
            }
        }
        return false;
    }

    public void DropRange(KvSpace space, byte[] from, byte[] to)
    {
        var map = Of(space);
        foreach (var key in Between(map, from, to).Select(pair => pair.Key).ToList())
        {
            map.Remove(key);
        }
        _dropped.Add((space, from, to));
    }

    /// <summary>The batch's entries with keys starting with <paramref name="prefix"/>, in order (a copy: writes may follow).</summary>
    public List<KeyValuePair<byte[], byte[]?>> Entries(KvSpace space, byte[] prefix)
    {
        var map = Of(space);
        return map.Count == 0 ? [] : [.. Between(map, prefix, KeyCodec.PrefixEnd(prefix))];
    }

    private static IEnumerable<KeyValuePair<byte[], byte[]?>> Between(SortedDictionary<byte[], byte[]?> map, byte[] from, byte[] to) =>
        map.SkipWhile(pair => ByteArrayComparer.Instance.Compare(pair.Key, from) < 0)
            .TakeWhile(pair => ByteArrayComparer.Instance.Compare(pair.Key, to) < 0);

    public void Clear()
    {
        _members.Clear();
        _scores.Clear();
        _dropped.Clear();
    }
}
