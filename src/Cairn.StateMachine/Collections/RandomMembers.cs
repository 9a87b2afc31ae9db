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

    /// <summary>Cairn's bound on a repeating draw (<see cref="MaxRepeated"/>): Redis has none, and runs out of memory.</summary>
    public static readonly string RepeatedTooMany = $"ERR value is out of range: a negative count may ask for at most {MaxRepeated} members";

    /// <summary>A random draw's count as Redis reads it (-LONG_MAX..LONG_MAX; with pairs, one beyond ±LONG_MAX/2 is out of range).</summary>
    public static bool ParseCount(byte[] text, bool withPairs, out long count, out string? error)
    {
        error = null;
        if (!RedisNumbers.TryParseInt64(text, out count))
        {
            error = KvErrors.NotInteger;
        }
        else if (count == long.MinValue)
        {
            error = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
        }
        else if (withPairs && (count < -(long.MaxValue / 2) || count > long.MaxValue / 2))
        {
            error = "ERR value is out of range";
        }
        return error is null;
    }

    /// <summary>One member's key and value, drawn at random from a collection that is not empty.</summary>
    public static (byte[] Key, byte[] Value) One(IReadView view, Collection collection, EntryRandom random)
    {
        using var iterator = view.IterateFrom(KvSpace.Members, collection.Prefix, MemberKeys.HashSeek(collection.Prefix, random.NextBelow(long.MaxValue) + 1));
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
            using var iterator = view.IterateFrom(KvSpace.Members, collection.Prefix, MemberKeys.HashSeek(collection.Prefix, random.NextBelow(long.MaxValue) + 1));
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
