using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Lists;

/// <summary>The list family's reads (t_list.c, Redis 7.0) on a read view. Operands: <see cref="ListOp"/>.</summary>
internal static class ListReads
{
    public static KvReply Answer(IReadView view, KvCommand c)
    {
        var op = (ListOp)c.Op.Low();
        var list = view.Open(c.Args[0], ValueType.List, out var error);
        if (error is not null)
        {
            return error.Value;
        }
        return op switch
        {
            ListOp.LLen => KvReply.Int(list?.Size ?? 0),
            ListOp.LIndex => list is null ? KvReply.Null
                : c.Has(KvFlags.IndexRefused) ? KvReply.Error(KvErrors.NotInteger)
                : ListStore.At(view, list, c.Number) is { } element ? KvReply.Bulk(element) : KvReply.Null,
            ListOp.LRange => list is not null && IndexRange.Window(c.Number, c.Number2, list.Size) is { Count: > 0 } range
                ? ListWrites.Elements(ListStore.Range(view, list, range.Start, range.Count))
                : KvReply.Array([]),
            ListOp.LPos => LPos(view, list, c),
            _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a query"),
        };
    }

    /// <summary>
    /// lposCommand: the rank-th match and on (negative rank: from the tail), up to count matches (0: all), looking
    /// at no more than maxlen elements (0: all). Redis's arithmetic is kept, wrap-around included (rank LONG_MIN).
    /// </summary>
    private static KvReply LPos(IReadView view, Collection? list, KvCommand c)
    {
        var counted = c.Has(KvFlags.Count);
        if (list is null)
        {
            return counted ? KvReply.Array([]) : KvReply.Null;
        }
        var (rank, count, maxlen) = (c.Number, c.Number2, ListSyntax.MaxLen(c));
        var fromTail = rank < 0;
        if (fromTail)
        {
            rank = unchecked(-rank);
        }
        var found = new List<KvReply>();
        long scanned = 0, matches = 0;
        foreach (var (index, element) in ListStore.Walk(view, list, fromTail))
        {
            if (maxlen != 0 && scanned >= maxlen)
            {
                break;
            }
            scanned++;
            if (!element.AsSpan().SequenceEqual(c.Args[1]) || ++matches < rank)
            {
                continue;
            }
            found.Add(KvReply.Int(index));
            if (!counted || (count != 0 && unchecked(matches - rank + 1) >= count))
            {
                break;
            }
        }
        return counted ? KvReply.Array([.. found]) : found.Count > 0 ? found[0] : KvReply.Null;
    }
}
