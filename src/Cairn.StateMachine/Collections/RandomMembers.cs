using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// Random members of a collection stored by member hash (<see cref="MemberKeys.Hashed"/>): one seek to a random
/// hash each, so a draw costs the same on a collection of any size. The generator decides: an entry's
/// (<see cref="EntryRandom"/>) in Apply, any in a read.
/// </summary>
internal static class RandomMembers
{
    /// <summary>Largest |count| a repeating draw (a negative count) may ask for: its reply is built in memory.</summary>
    public const long MaxRepeated = 1_000_000;

    /// <summary>One member's key and value, drawn at random from a collection that is not empty.</summary>
    public static (byte[] Key, byte[] Value) One(IReadView view, Collection collection, EntryRandom random)
    {
        using var iterator = view.Iterate(KvSpace.Members, collection.Prefix);
        iterator.Seek(MemberKeys.HashSeek(collection.Prefix, random.NextBelow(long.MaxValue) + 1));
        if (!iterator.Valid)
        {
            iterator.SeekToFirst();
        }
        return (iterator.Key.ToArray(), iterator.Value.ToArray());
    }

    /// <summary>
    /// <paramref name="count"/> members (keys and values): distinct when positive (all of them when the collection
    /// has no more, in hash order), with repeats when negative (|count| draws).
    /// </summary>
    public static List<(byte[] Key, byte[] Value)> Many(IReadView view, Collection collection, long count, EntryRandom random)
    {
        var picked = new List<(byte[], byte[])>();
        if (count < 0)
        {
            for (long i = 0; i < -count; i++)
            {
                picked.Add(One(view, collection, random));
            }
            return picked;
        }
        if (count >= collection.Size || count * 2 > collection.Size)
        {
            var all = All(view, collection);
            if (count >= all.Count)
            {
                return all;
            }
            // Remove random ones until count remain (Redis's SRANDMEMBER case 3): the order stays hash order.
            while (all.Count > count)
            {
                all.RemoveAt((int)random.NextBelow(all.Count));
            }
            return all;
        }
        var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        for (long attempts = 0; picked.Count < count && attempts < 4 * count; attempts++)
        {
            var one = One(view, collection, random);
            if (seen.Add(one.Key))
            {
                picked.Add(one);
            }
        }
        if (picked.Count < count)
        {
            // Hashes are not evenly spread: the rest in hash order after a random point, so this ends.
            using var iterator = view.Iterate(KvSpace.Members, collection.Prefix);
            iterator.Seek(MemberKeys.HashSeek(collection.Prefix, random.NextBelow(long.MaxValue) + 1));
            for (var wrapped = false; picked.Count < count;)
            {
                if (!iterator.Valid)
                {
                    if (wrapped)
                    {
                        break;
                    }
                    wrapped = true;
                    iterator.SeekToFirst();
                    continue;
                }
                var key = iterator.Key.ToArray();
                if (seen.Add(key))
                {
                    picked.Add((key, iterator.Value.ToArray()));
                }
                iterator.Next();
            }
        }
        return picked;
    }

    public static List<(byte[] Key, byte[] Value)> All(IReadView view, Collection collection)
    {
        var all = new List<(byte[], byte[])>();
        using var iterator = view.Iterate(KvSpace.Members, collection.Prefix);
        for (; iterator.Valid; iterator.Next())
        {
            all.Add((iterator.Key.ToArray(), iterator.Value.ToArray()));
        }
        return all;
    }
}
