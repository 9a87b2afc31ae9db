using System.Collections.Immutable;
using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// The member writes of the batch being applied (members and scores spaces), so that reads later in the batch see
/// them before they reach the engine: puts, deletions (null), and dropped ranges, which hide the engine's keys in
/// them (an overlay key written after the drop shows again). Kept in a persistent sorted set: a cursor takes the
/// batch's entries as they are in O(1) and seeks in them in O(log n), whatever the batch's size.
/// </summary>
internal sealed class BatchOverlay
{
    private readonly ImmutableSortedSet<OverlayEntry>.Builder _members = ImmutableSortedSet.CreateBuilder(OverlayEntry.ByKey);
    private readonly ImmutableSortedSet<OverlayEntry>.Builder _scores = ImmutableSortedSet.CreateBuilder(OverlayEntry.ByKey);
    private readonly List<(KvSpace Space, byte[] From, byte[] To)> _dropped = [];

    public bool IsEmpty => _members.Count == 0 && _scores.Count == 0 && _dropped.Count == 0;

    private ImmutableSortedSet<OverlayEntry>.Builder Of(KvSpace space) => space switch
    {
        KvSpace.Members => _members,
        KvSpace.Scores => _scores,
        _ => throw new ArgumentOutOfRangeException(nameof(space), space, "the overlay holds member spaces only"),
    };

    public void Put(KvSpace space, byte[] key, byte[] value) => Set(Of(space), new OverlayEntry(key, value));

    public void Delete(KvSpace space, byte[] key) => Set(Of(space), new OverlayEntry(key, null));

    private static void Set(ImmutableSortedSet<OverlayEntry>.Builder map, OverlayEntry entry)
    {
        // Entries are shared with the cursors' snapshots: replaced, never changed.
        map.Remove(entry);
        map.Add(entry);
    }

    /// <summary>What the batch says of a key: true with its value (null: deleted) when the batch wrote it or dropped it.</summary>
    public bool TryGet(KvSpace space, byte[] key, out byte[]? value)
    {
        if (Of(space).TryGetValue(new OverlayEntry(key, null), out var entry))
        {
            value = entry.Value;
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
        if (map.Count > 0)
        {
            var inside = Entries(space, from, to);
            for (var i = inside.Count - 1; i >= 0; i--)
            {
                map.Remove(inside[i]);
            }
        }
        _dropped.Add((space, from, to));
    }

    /// <summary>The batch's entries with keys starting with <paramref name="prefix"/>, in order, as they are now (writes may follow).</summary>
    public OverlayEntries Entries(KvSpace space, byte[] prefix) => Entries(space, prefix, KeyCodec.PrefixEnd(prefix));

    private OverlayEntries Entries(KvSpace space, byte[] from, byte[] to)
    {
        var map = Of(space);
        if (map.Count == 0)
        {
            return OverlayEntries.Empty;
        }
        var set = map.ToImmutable();
        var lo = OverlayEntries.LowerBound(set, from);
        return new OverlayEntries(set, lo, Math.Max(lo, OverlayEntries.LowerBound(set, to)));
    }

    public void Clear()
    {
        _members.Clear();
        _scores.Clear();
        _dropped.Clear();
    }
}

/// <summary>A key the batch wrote (a null value: deleted). Immutable: cursors' snapshots share it.</summary>
internal sealed class OverlayEntry(byte[] key, byte[]? value)
{
    public static readonly IComparer<OverlayEntry> ByKey = Comparer<OverlayEntry>.Create((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));

    public byte[] Key { get; } = key;

    public byte[]? Value { get; } = value;
}

/// <summary>A snapshot of the batch's entries in [lo, hi) of a sorted set: indexed and searched in O(log n).</summary>
internal readonly struct OverlayEntries(ImmutableSortedSet<OverlayEntry> set, int lo, int hi)
{
    public static readonly OverlayEntries Empty = new(ImmutableSortedSet<OverlayEntry>.Empty.WithComparer(OverlayEntry.ByKey), 0, 0);

    public int Count => hi - lo;

    public OverlayEntry this[int index] => set[lo + index];

    /// <summary>The index of the first entry whose key is ≥ <paramref name="key"/> (Count when none).</summary>
    public int FirstAtOrAfter(ReadOnlySpan<byte> key) => Math.Clamp(LowerBound(set, key.ToArray()), lo, hi) - lo;

    /// <summary>The index of the last entry whose key is ≤ <paramref name="key"/> (-1 when none).</summary>
    public int LastAtOrBefore(ReadOnlySpan<byte> key)
    {
        var probe = new OverlayEntry(key.ToArray(), null);
        var at = set.IndexOf(probe);
        var last = at >= 0 ? at : ~at - 1;
        return Math.Clamp(last, lo - 1, hi - 1) - lo;
    }

    internal static int LowerBound(ImmutableSortedSet<OverlayEntry> set, byte[] key)
    {
        var at = set.IndexOf(new OverlayEntry(key, null));
        return at >= 0 ? at : ~at;
    }
}
