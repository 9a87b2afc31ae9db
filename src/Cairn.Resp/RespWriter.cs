using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Cairn.Resp;

/// <summary>
/// Writes replies into a buffer writer (normally the connection's PipeWriter; the caller flushes).
/// <see cref="Protocol"/> picks RESP2 or RESP3 forms for the types that differ: nulls, maps,
/// sets, doubles, booleans and verbatim strings fall back to their RESP2 equivalents.
/// </summary>
public sealed class RespWriter(IBufferWriter<byte> output)
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private IBufferWriter<byte> _output = output;

    public int Protocol { get; set; } = 2;

    public void Attach(IBufferWriter<byte> output) => _output = output;

    public void WriteOk() => WriteRaw("+OK\r\n"u8);

    public void WriteSimple(ReadOnlySpan<byte> ascii) => WriteLine((byte)'+', ascii);

    public void WriteSimple(string text) => WriteLine((byte)'+', text);

    /// <summary>Writes "-{message}"; the message starts with the error code ("ERR ...", "WRONGTYPE ...").</summary>
    /// <summary>Error replies written so far (what a caller compares before and after a command to learn its outcome).</summary>
    public long ErrorsWritten { get; private set; }

    public void WriteError(string message)
    {
        ErrorsWritten++;
        // A reply line cannot carry CR or LF; Redis replaces them with spaces too.
        if (message.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            message = message.Replace('\r', ' ').Replace('\n', ' ');
        }
        WriteLine((byte)'-', message);
    }

    public void WriteInteger(long value) => WriteNumberLine((byte)':', value);

    public void WriteBulk(ReadOnlySpan<byte> value)
    {
        WriteNumberLine((byte)'$', value.Length);
        WriteRaw(value);
        WriteRaw(Crlf);
    }

    public void WriteBulk(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteNumberLine((byte)'$', byteCount);
        var span = _output.GetSpan(byteCount + 2);
        Encoding.UTF8.GetBytes(value, span);
        Crlf.CopyTo(span[byteCount..]);
        _output.Advance(byteCount + 2);
    }

    /// <summary>A null bulk string: "$-1" in RESP2, "_" in RESP3.</summary>
    public void WriteNull() => WriteRaw(Protocol >= 3 ? "_\r\n"u8 : "$-1\r\n"u8);

    /// <summary>A null array: "*-1" in RESP2, "_" in RESP3.</summary>
    public void WriteNullArray() => WriteRaw(Protocol >= 3 ? "_\r\n"u8 : "*-1\r\n"u8);

    public void WriteArrayHeader(int count) => WriteNumberLine((byte)'*', count);

    /// <summary>A map of <paramref name="pairs"/> entries: "%n" in RESP3, an array of 2n items in RESP2.</summary>
    public void WriteMapHeader(int pairs)
    {
        if (Protocol >= 3)
        {
            WriteNumberLine((byte)'%', pairs);
        }
        else
        {
            WriteNumberLine((byte)'*', pairs * 2L);
        }
    }

    /// <summary>An out-of-band message of <paramref name="count"/> items (pub/sub): "&gt;n" in RESP3, an array in RESP2.</summary>
    public void WritePushHeader(int count) => WriteNumberLine(Protocol >= 3 ? (byte)'>' : (byte)'*', count);

    public void WriteSetHeader(int count) => WriteNumberLine(Protocol >= 3 ? (byte)'~' : (byte)'*', count);

    public void WriteBoolean(bool value)
    {
        if (Protocol >= 3)
        {
            WriteRaw(value ? "#t\r\n"u8 : "#f\r\n"u8);
        }
        else
        {
            WriteInteger(value ? 1 : 0);
        }
    }

    /// <summary>A double: "," in RESP3, a bulk string in RESP2, both in Redis 7.0's "%.17g" form (<see cref="FormatDouble"/>).</summary>
    public void WriteDouble(double value)
    {
        var text = FormatDouble(value);
        if (Protocol >= 3)
        {
            WriteLine((byte)',', text);
        }
        else
        {
            WriteBulk(text);
        }
    }

    /// <summary>Text for humans (INFO, CLIENT INFO): a verbatim string "=" in RESP3, a bulk string in RESP2.</summary>
    public void WriteVerbatim(string text)
    {
        if (Protocol < 3)
        {
            WriteBulk(text);
            return;
        }
        var byteCount = Encoding.UTF8.GetByteCount(text) + 4;
        WriteNumberLine((byte)'=', byteCount);
        WriteRaw("txt:"u8);
        var span = _output.GetSpan(byteCount);
        var written = Encoding.UTF8.GetBytes(text, span);
        _output.Advance(written);
        WriteRaw(Crlf);
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }

    public static string FormatDouble(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "inf";
        }
        if (double.IsNegativeInfinity(value))
        {
            return "-inf";
        }
        // Redis 7.0's "%.17g" (addReplyDouble): 17 significant digits, exponent form as C prints it ("1e+20").
        return value.ToString("G17", CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    private void WriteLine(byte prefix, ReadOnlySpan<byte> ascii)
    {
        var span = _output.GetSpan(ascii.Length + 3);
        span[0] = prefix;
        ascii.CopyTo(span[1..]);
        Crlf.CopyTo(span[(ascii.Length + 1)..]);
        _output.Advance(ascii.Length + 3);
    }

    private void WriteLine(byte prefix, string text)
    {
        var byteCount = Encoding.UTF8.GetByteCount(text);
        var span = _output.GetSpan(byteCount + 3);
        span[0] = prefix;
        Encoding.UTF8.GetBytes(text, span[1..]);
        Crlf.CopyTo(span[(byteCount + 1)..]);
        _output.Advance(byteCount + 3);
    }

    private void WriteNumberLine(byte prefix, long value)
    {
        var span = _output.GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[written + 1] = (byte)'\r';
        span[written + 2] = (byte)'\n';
        _output.Advance(written + 3);
    }
}
