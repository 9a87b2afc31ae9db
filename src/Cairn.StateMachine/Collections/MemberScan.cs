using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// A SCAN over a collection's hashed members (<see cref="MemberKeys.Hashed"/>): the cursor is the next member hash
/// to visit (0: start and end), COUNT bounds the members examined, and a run of members sharing one hash is never
/// split, so none is skipped. A collection of at most <see cref="WholeBelow"/> members is returned whole with cursor
/// 0, as Redis does for its small (listpack) encodings.
/// </summary>
internal static class MemberScan
{
    public const long WholeBelow = 128;

    /// <param name="emit">Adds a member's reply items (a field and its value, a member, a member and its score).</param>
    public static KvReply Scan(IReadView view, Collection? collection, KvCommand c, Action<List<KvReply>, ReadOnlySpan<byte>, ReadOnlySpan<byte>> emit)
    {
        if (collection is null)
        {
            return Reply(0, []);
        }
        if (ScanSyntax.Refusal(c) is { } refusal)
        {
            return refusal;
        }
        var pattern = c.Args[1];
        var whole = collection.Size <= WholeBelow;
        var prefixLength = collection.Prefix.Length;
        var found = new List<KvReply>();
        long next = 0, examined = 0, lastHash = -1;
        using var iterator = whole
            ? view.Iterate(KvSpace.Members, collection.Prefix)
            : view.IterateFrom(KvSpace.Members, collection.Prefix, MemberKeys.HashSeek(collection.Prefix, c.Number));
        for (; iterator.Valid; iterator.Next())
        {
            var hash = MemberKeys.HashOf(iterator.Key, prefixLength);
            if (!whole && examined >= c.Number2 && hash != lastHash)
            {
                next = hash;
                break;
            }
            examined++;
            lastHash = hash;
            var member = MemberKeys.MemberOf(iterator.Key, prefixLength);
            if (pattern.Length == 0 || GlobPattern.IsMatch(pattern, member))
            {
                emit(found, member, iterator.Value);
            }
        }
        return Reply(next, found);
    }

    private static KvReply Reply(long next, List<KvReply> found) =>
        KvReply.Array([KvReply.Bulk(next.ToString(System.Globalization.CultureInfo.InvariantCulture)), KvReply.Array([.. found])]);
}
