using Cairn.StateMachine.Collections;
using Cairn.Storage;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.Lists;

/// <summary>
/// A list's elements by index (see <see cref="ListOp"/>): index i lives at position head + i, so reading or
/// replacing an index and pushing or popping at either end touch one key; inserting or removing inside moves the
/// elements of the shorter side. Invariant: Size = Tail - Head, and every position in [Head, Tail) holds an element.
/// Reads seek to the positions they want (never from the first key): pops leave tombstones past either end.
/// </summary>
internal static class ListStore
{
    public static byte[] KeyAt(Collection list, long index) => MemberKeys.Position(list.Prefix, list.Head + index);

    /// <summary>A Redis index (negative: from the end) as an index from the head, or null when out of range.</summary>
    public static long? Index(Collection list, long index)
    {
        var i = index < 0 ? list.Size + index : index;
        return i >= 0 && i < list.Size ? i : null;
    }

    public static byte[]? At(IReadView view, Collection list, long index) =>
        Index(list, index) is { } i ? view.Get(KvSpace.Members, KeyAt(list, i)) : null;

    /// <summary>The elements at indexes [first, first + count), head to tail.</summary>
    public static List<byte[]> Range(IReadView view, Collection list, long first, long count)
    {
        var elements = new List<byte[]>((int)Math.Clamp(count, 0, 1024));
        if (count <= 0)
        {
            return elements;
        }
        using var iterator = view.IterateFrom(KvSpace.Members, list.Prefix, KeyAt(list, first));
        while (iterator.Valid)
        {
            elements.Add(iterator.Value.ToArray());
            if (elements.Count == count)
            {
                break; // not one step further: past the tail lie the tombstones of the pops
            }
            iterator.Next();
        }
        return elements;
    }

    public static void Push(Context ctx, Collection list, byte[] element, bool tail)
    {
        if (tail)
        {
            ctx.Put(KvSpace.Members, MemberKeys.Position(list.Prefix, list.Tail++), element);
        }
        else
        {
            ctx.Put(KvSpace.Members, MemberKeys.Position(list.Prefix, --list.Head), element);
        }
        list.Size++;
    }

    /// <summary>Removes up to <paramref name="count"/> elements from one end, in the order they leave (from the tail: last first).</summary>
    public static List<byte[]> Pop(Context ctx, Collection list, bool tail, long count)
    {
        count = Math.Min(count, list.Size);
        var first = tail ? list.Size - count : 0;
        var elements = count == 1 ? [ctx.Get(KvSpace.Members, KeyAt(list, first))!] : Range(ctx, list, first, count);
        if (count == 1)
        {
            ctx.Delete(KvSpace.Members, KeyAt(list, first));
        }
        else
        {
            ctx.DeleteRange(KvSpace.Members, KeyAt(list, first), KeyAt(list, first + count));
        }
        if (tail)
        {
            list.Tail -= count;
            elements.Reverse();
        }
        else
        {
            list.Head += count;
        }
        list.Size -= count;
        return elements;
    }

    /// <summary>Removes the elements at indexes [0, count) and [Size - fromTail, Size) (LTRIM).</summary>
    public static void Trim(Context ctx, Collection list, long fromHead, long fromTail)
    {
        if (fromHead > 0)
        {
            ctx.DeleteRange(KvSpace.Members, KeyAt(list, 0), KeyAt(list, fromHead));
        }
        if (fromTail > 0)
        {
            ctx.DeleteRange(KvSpace.Members, KeyAt(list, list.Size - fromTail), KeyAt(list, list.Size));
        }
        list.Head += fromHead;
        list.Tail -= fromTail;
        list.Size -= fromHead + fromTail;
    }

    /// <summary>Inserts an element so that it ends at index <paramref name="index"/> (0 ≤ index ≤ Size), moving the shorter side.</summary>
    public static void Insert(Context ctx, Collection list, long index, byte[] element)
    {
        if (index < list.Size - index)
        {
            var moved = Range(ctx, list, 0, index);
            list.Head--;
            for (var i = 0; i < moved.Count; i++)
            {
                ctx.Put(KvSpace.Members, KeyAt(list, i), moved[i]);
            }
        }
        else
        {
            var moved = Range(ctx, list, index, list.Size - index);
            for (var i = 0; i < moved.Count; i++)
            {
                ctx.Put(KvSpace.Members, KeyAt(list, index + 1 + i), moved[i]);
            }
            list.Tail++;
        }
        ctx.Put(KvSpace.Members, KeyAt(list, index), element);
        list.Size++;
    }

    /// <summary>
    /// Removes the elements at the given indexes (ascending, distinct), closing the gap from the side that moves
    /// fewer elements: the ones after the first removed shift toward the head, or the ones before the last removed
    /// shift toward the tail.
    /// </summary>
    public static void RemoveAt(Context ctx, Collection list, List<long> removed)
    {
        var (lowest, highest) = (removed[0], removed[^1]);
        var drop = new HashSet<long>(removed);
        if (list.Size - lowest <= highest + 1)
        {
            var kept = Range(ctx, list, lowest, list.Size - lowest).Where((_, i) => !drop.Contains(lowest + i)).ToList();
            for (var i = 0; i < kept.Count; i++)
            {
                ctx.Put(KvSpace.Members, KeyAt(list, lowest + i), kept[i]);
            }
            ctx.DeleteRange(KvSpace.Members, KeyAt(list, lowest + kept.Count), KeyAt(list, list.Size));
            list.Tail -= removed.Count;
        }
        else
        {
            var kept = Range(ctx, list, 0, highest + 1).Where((_, i) => !drop.Contains(i)).ToList();
            var start = highest + 1 - kept.Count;
            for (var i = 0; i < kept.Count; i++)
            {
                ctx.Put(KvSpace.Members, KeyAt(list, start + i), kept[i]);
            }
            ctx.DeleteRange(KvSpace.Members, KeyAt(list, 0), KeyAt(list, start));
            list.Head += removed.Count;
        }
        list.Size -= removed.Count;
    }

    /// <summary>Walks the elements from the head (or from the tail), yielding each one's index from the head.</summary>
    public static IEnumerable<(long Index, byte[] Element)> Walk(IReadView view, Collection list, bool fromTail)
    {
        using var iterator = view.Cursor(KvSpace.Members, list.Prefix);
        if (fromTail)
        {
            iterator.SeekForPrev(KeyAt(list, list.Size - 1));
        }
        else
        {
            iterator.Seek(KeyAt(list, 0));
        }
        while (iterator.Valid)
        {
            yield return (MemberKeys.PositionOf(iterator.Key, list.Prefix.Length) - list.Head, iterator.Value.ToArray());
            if (fromTail)
            {
                iterator.Prev();
            }
            else
            {
                iterator.Next();
            }
        }
    }
}
