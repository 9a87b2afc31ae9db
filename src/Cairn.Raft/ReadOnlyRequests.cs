namespace Cairn.Raft;

/// <summary>
/// The leader's read-index requests awaiting a heartbeat quorum, in arrival order. A quorum of
/// acknowledgements for one request's round also confirms every request before it.
/// </summary>
internal sealed class ReadOnlyRequests
{
    private readonly Dictionary<string, Pending> _pending = [];
    private readonly List<string> _queue = [];

    /// <summary>Registers a request to be answered with <paramref name="index"/> once a quorum confirms.</summary>
    public void Add(ulong index, Message request)
    {
        var key = Key(request.Entries[0].Data.Span);
        if (_pending.ContainsKey(key))
        {
            return;
        }
        _pending[key] = new Pending(index, request);
        _queue.Add(key);
    }

    /// <summary>Records an acknowledgement of the round for <paramref name="context"/>; the acknowledgers so far, or null if unknown.</summary>
    public HashSet<ulong>? Ack(ulong from, ReadOnlySpan<byte> context)
    {
        if (!_pending.TryGetValue(Key(context), out var pending))
        {
            return null;
        }
        pending.Acks.Add(from);
        return pending.Acks;
    }

    /// <summary>Removes and returns the request for <paramref name="context"/> and every request queued before it.</summary>
    public List<(ulong Index, Message Request)> Release(ReadOnlySpan<byte> context)
    {
        var key = Key(context);
        var position = _queue.IndexOf(key);
        var released = new List<(ulong, Message)>();
        if (position < 0)
        {
            return released;
        }
        for (var i = 0; i <= position; i++)
        {
            var pending = _pending[_queue[i]];
            _pending.Remove(_queue[i]);
            released.Add((pending.Index, pending.Request));
        }
        _queue.RemoveRange(0, position + 1);
        return released;
    }

    /// <summary>The context of the newest request, for the next heartbeat round.</summary>
    public byte[]? LastContext => _queue.Count == 0 ? null : _pending[_queue[^1]].Request.Entries[0].Data.ToArray();

    public void Clear()
    {
        _pending.Clear();
        _queue.Clear();
    }

    private static string Key(ReadOnlySpan<byte> context) => Convert.ToHexString(context);

    private sealed class Pending(ulong index, Message request)
    {
        public ulong Index { get; } = index;

        public Message Request { get; } = request;

        public HashSet<ulong> Acks { get; } = [];
    }
}
