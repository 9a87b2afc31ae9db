namespace Cairn.Raft.Tracker;

/// <summary>
/// The last index of each append message in flight to one follower, oldest first, in a ring of
/// fixed capacity: a leader in Replicate state stops sending when it is full (flow control).
/// </summary>
public sealed class Inflights(int capacity)
{
    private readonly ulong[] _buffer = new ulong[capacity];
    private int _start;

    public int Count { get; private set; }

    public bool Full => Count == _buffer.Length;

    /// <summary>Records a send whose last entry is <paramref name="index"/>; indexes must increase.</summary>
    public void Add(ulong index)
    {
        if (Full)
        {
            throw new InvalidOperationException("cannot add to a full inflights window");
        }
        _buffer[(_start + Count) % _buffer.Length] = index;
        Count++;
    }

    /// <summary>Frees every send whose last index is ≤ <paramref name="index"/> (they were acknowledged).</summary>
    public void FreeLE(ulong index)
    {
        while (Count > 0 && _buffer[_start] <= index)
        {
            _start = (_start + 1) % _buffer.Length;
            Count--;
        }
    }

    /// <summary>Frees the oldest send: after a heartbeat round trip, so a window of lost appends cannot pause a follower forever.</summary>
    public void FreeFirstOne()
    {
        if (Count > 0)
        {
            _start = (_start + 1) % _buffer.Length;
            Count--;
        }
    }

    public void Reset()
    {
        Count = 0;
        _start = 0;
    }
}
