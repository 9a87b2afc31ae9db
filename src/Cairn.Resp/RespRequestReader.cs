using System.Buffers;

namespace Cairn.Resp;

/// <summary>
/// Parses client requests — multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or inline ("GET k\r\n") —
/// with Redis's limits and error texts (networking.c processMultibulkBuffer / processInlineBuffer).
/// It never reserves memory for a declared length: a bulk is only sliced once all its bytes
/// are buffered, so a huge declared length costs nothing until the bytes arrive.
/// </summary>
public sealed class RespRequestReader(RespLimits? limits = null)
{
    private RespLimits _limits = limits ?? new RespLimits();

    /// <summary>The limits in force; may be replaced between requests (CONFIG SET).</summary>
    public RespLimits Limits
    {
        get => _limits;
        set => _limits = value;
    }

    // A multibulk cut short by the end of the buffer: its declared count and where its next argument starts (bytes
    // from the request's start). Its complete arguments stay in the request, so the next call goes on from there
    // instead of parsing the request again from its '*' (Redis keeps multibulklen and bulklen for the same reason).
    private long _partialCount = -1;
    private long _partialOffset;

    /// <summary>Bytes parsed since this reader was made, partial attempts included: linear in the input, never more than about twice it.</summary>
    public long BytesScanned { get; private set; }

    /// <summary>
    /// Parses one request from the front of <paramref name="buffer"/>.
    /// Returns true with <paramref name="request"/> filled and <paramref name="buffer"/> sliced past the request
    /// (a request with no arguments is one Redis ignores); false when more bytes are needed, leaving
    /// <paramref name="buffer"/> as it was. After false, call again with the same <paramref name="request"/> and a
    /// buffer that starts where this one did, its bytes unchanged (a pipe's unconsumed data): the arguments already
    /// parsed are kept and parsing resumes after them. Throws <see cref="RespProtocolException"/> on malformed input.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, RespRequest request)
    {
        if (_partialCount < 0)
        {
            request.Reset();
        }
        if (buffer.IsEmpty)
        {
            return false;
        }
        var reader = new SequenceReader<byte>(buffer);
        var resumedAt = _partialCount < 0 ? 0 : _partialOffset;
        bool ok;
        try
        {
            ok = buffer.FirstSpan[0] == (byte)'*'
                ? TryReadMultibulk(ref reader, request)
                : TryReadInline(ref reader, request);
        }
        catch (RespProtocolException)
        {
            _partialCount = -1;
            throw;
        }
        BytesScanned += reader.Consumed - resumedAt;
        if (!ok)
        {
            if (_partialCount < 0)
            {
                request.Reset();
            }
            return false;
        }
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private bool TryReadMultibulk(ref SequenceReader<byte> reader, RespRequest request)
    {
        long count;
        if (_partialCount >= 0)
        {
            count = _partialCount;
            reader.Advance(_partialOffset);
        }
        else
        {
            reader.Advance(1);
            if (!TryReadHeaderLine(ref reader, out var countText, "Protocol error: too big mbulk count string"))
            {
                return false;
            }
            if (!TryParseHeader(countText, out count) || count > int.MaxValue)
            {
                RespProtocolException.Throw("Protocol error: invalid multibulk length");
            }
        }
        for (long i = request.Count; i < count; i++)
        {
            var lineStart = reader;
            if (!TryReadHeaderLine(ref reader, out var line, "Protocol error: too big bulk count string"))
            {
                return Suspend(count, lineStart.Consumed);
            }
            if (line.IsEmpty || line.FirstSpan[0] != (byte)'$')
            {
                var got = lineStart.TryPeek(out var b) ? (char)b : '\r';
                RespProtocolException.Throw($"Protocol error: expected '$', got '{got}'");
            }
            if (!TryParseHeader(line.Slice(1), out var length) || length < 0 || length > _limits.MaxBulkLength)
            {
                RespProtocolException.Throw("Protocol error: invalid bulk length");
            }
            if (reader.Remaining < length + 2)
            {
                return Suspend(count, lineStart.Consumed);
            }
            request.Add(reader.UnreadSequence.Slice(0, length));
            // Like Redis, the two bytes after the payload are skipped, not checked.
            reader.Advance(length + 2);
        }
        _partialCount = -1;
        return true;
    }

    private bool Suspend(long count, long nextArgument)
    {
        _partialCount = count;
        _partialOffset = nextArgument;
        return false;
    }

    /// <summary>Reads a header up to "\r" and skips the byte after it ("\n"); false if not all there yet.</summary>
    private bool TryReadHeaderLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line, string tooBig)
    {
        var start = reader;
        if (!reader.TryReadTo(out line, (byte)'\r', advancePastDelimiter: true))
        {
            if (start.Remaining > _limits.MaxInlineLength)
            {
                RespProtocolException.Throw(tooBig);
            }
            return false;
        }
        if (reader.Remaining < 1)
        {
            return false;
        }
        reader.Advance(1);
        return true;
    }

    private static bool TryParseHeader(in ReadOnlySequence<byte> text, out long value)
    {
        if (text.IsSingleSegment)
        {
            return RespNumbers.TryParseInt64(text.FirstSpan, out value);
        }
        Span<byte> copy = stackalloc byte[24];
        if (text.Length > copy.Length)
        {
            value = 0;
            return false;
        }
        text.CopyTo(copy);
        return RespNumbers.TryParseInt64(copy[..(int)text.Length], out value);
    }

    private bool TryReadInline(ref SequenceReader<byte> reader, RespRequest request)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n', advancePastDelimiter: true))
        {
            if (reader.Remaining > _limits.MaxInlineLength)
            {
                RespProtocolException.Throw("Protocol error: too big inline request");
            }
            return false;
        }
        request.IsInline = true;
        var length = (int)line.Length;
        var text = request.Reserve(length);
        line.CopyTo(text.Span);
        if (length > 0 && text.Span[length - 1] == (byte)'\r')
        {
            length--;
        }
        InlineSplitter.Split(text[..length], request);
        return true;
    }
}
