using System.Buffers.Binary;
using Cairn.StateMachine.Collections;
using Cairn.Storage;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.Sets;

/// <summary>
/// A set's members by position, for its random draws (SPOP, SRANDMEMBER): positions 0..size-1 in the scores space
/// (prefix | position → member, <see cref="MemberKeys.Position"/>), and each member's record holds its position
/// (8 bytes, little-endian). A draw is one lookup whatever the tombstones of the members popped before it (a draw
/// by hash seeks, and steps over every one of them between the point drawn and the next member); a removal moves
/// the last member into the freed position. Invariant: every position in [0, size) holds a member whose record
/// holds that position. A set's header says it keeps them (<see cref="Collection.Head"/> = 1): one written before
/// them gets them at its first write (<see cref="Ensure"/>), and is drawn from by hash until then.
/// </summary>
internal static class SetPositions
{
    public static bool Kept(Collection set) => set.Head == 1;

    /// <summary>Makes a set keep positions before a write changes it: O(1) for one that does, O(size) once for one that does not.</summary>
    public static void Ensure(Context ctx, Collection set)
    {
        if (Kept(set))
        {
            return;
        }
        set.Head = 1;
        if (!set.Existed)
        {
            return;
        }
        var members = RandomMembers.All(ctx, set);
        for (var i = 0; i < members.Count; i++)
        {
            Place(ctx, set, members[i].Key, MemberKeys.MemberOf(members[i].Key, set.Prefix.Length).ToArray(), i);
        }
    }

    /// <summary>Records a member just added (its record not yet written) at the end: position size (before it counts).</summary>
    public static void Append(Context ctx, Collection set, byte[] memberKey, byte[] member) => Place(ctx, set, memberKey, member, set.Size);

    /// <summary>Removes a member's position (its record, holding it, still there): the last member takes it.</summary>
    public static void Remove(Context ctx, Collection set, byte[] record)
    {
        var at = BinaryPrimitives.ReadInt64LittleEndian(record);
        var last = set.Size - 1;
        var lastKey = MemberKeys.Position(set.Prefix, last);
        if (at != last)
        {
            var moved = ctx.Get(KvSpace.Scores, lastKey)!;
            Place(ctx, set, MemberKeys.Hashed(set.Prefix, moved), moved, at);
        }
        ctx.Delete(KvSpace.Scores, lastKey);
    }

    /// <summary>The member at a position in [0, size).</summary>
    public static byte[] At(IReadView view, Collection set, long position) =>
        view.Get(KvSpace.Scores, MemberKeys.Position(set.Prefix, position))
        ?? throw new InvalidOperationException($"set position {position} of {set.Size} holds no member");

    /// <summary>
    /// SRANDMEMBER's members: one per draw with repeats when <paramref name="count"/> is negative, distinct when
    /// positive (all of them, in hash order, when the set has no more).
    /// </summary>
    public static List<byte[]> Draw(IReadView view, Collection set, long count, EntryRandom random)
    {
        if (count < 0)
        {
            var drawn = new List<byte[]>();
            for (long i = 0; i < -count; i++)
            {
                drawn.Add(At(view, set, random.NextBelow(set.Size)));
            }
            return drawn;
        }
        if (count >= set.Size || count * 2 > set.Size)
        {
            // Most of them: all, less random ones (Redis's SRANDMEMBER case 3), in hash order.
            var all = SetReads.All(view, set);
            while (all.Count > count)
            {
                all.RemoveAt((int)random.NextBelow(all.Count));
            }
            return all;
        }
        var positions = new HashSet<long>();
        var picked = new List<byte[]>();
        while (picked.Count < count)
        {
            var position = random.NextBelow(set.Size);
            if (positions.Add(position))
            {
                picked.Add(At(view, set, position));
            }
        }
        return picked;
    }

    private static void Place(Context ctx, Collection set, byte[] memberKey, byte[] member, long position)
    {
        var record = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(record, position);
        ctx.Put(KvSpace.Members, memberKey, record);
        ctx.Put(KvSpace.Scores, MemberKeys.Position(set.Prefix, position), member);
    }
}
