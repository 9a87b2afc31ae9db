namespace Cairn.StateMachine.Collections;

/// <summary>Redis's reading of a start and an end index (LRANGE, LTRIM, ZRANGE by rank, ZREMRANGEBYRANK).</summary>
internal static class IndexRange
{
    /// <summary>Negative indexes from the end, then clamped into the collection: the first index and how many (0: empty).</summary>
    public static (long Start, long Count) Window(long start, long end, long length)
    {
        if (start < 0)
        {
            start = length + start;
        }
        if (end < 0)
        {
            end = length + end;
        }
        if (start < 0)
        {
            start = 0;
        }
        if (start > end || start >= length)
        {
            return (0, 0);
        }
        return (start, Math.Min(end, length - 1) - start + 1);
    }
}
