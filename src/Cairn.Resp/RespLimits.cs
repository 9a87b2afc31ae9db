namespace Cairn.Resp;

/// <summary>Input limits, with Redis's defaults.</summary>
public sealed record RespLimits
{
    /// <summary>Largest bulk string a client may send (Redis: proto-max-bulk-len, 512 MB).</summary>
    public long MaxBulkLength { get; init; } = 512L * 1024 * 1024;

    /// <summary>Longest inline request line, and longest "*N" / "$N" header line (Redis: PROTO_INLINE_MAX_SIZE).</summary>
    public int MaxInlineLength { get; init; } = 64 * 1024;

    /// <summary>Most bytes buffered for one client's unparsed input (Redis: client-query-buffer-limit, 1 GB).</summary>
    public long MaxQueryBuffer { get; init; } = 1024L * 1024 * 1024;
}
