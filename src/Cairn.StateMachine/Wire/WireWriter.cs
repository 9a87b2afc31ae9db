using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cairn.StateMachine.Wire;

/// <summary>Little-endian writer for the peer wire format; grows as needed.</summary>
public sealed class WireWriter(int capacity = 256)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(capacity);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void Reset() => _buffer.ResetWrittenCount();

    public void U8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void I64(long value) => U64(unchecked((ulong)value));

    public void Bytes(ReadOnlySpan<byte> value)
    {
        U32((uint)value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    public void String(string value) => Bytes(Encoding.UTF8.GetBytes(value));
}

/// <summary>
/// Reader for bytes from a peer, which are not trusted: every read is bounds-checked and a short or
/// inconsistent payload throws <see cref="FormatException"/>, never allocates more than the payload holds.
/// </summary>
public ref struct WireReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly int Remaining => _rest.Length;

    public byte U8()
    {
        var value = Take(1)[0];
        return value;
    }

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long I64() => unchecked((long)U64());

    /// <summary>A count of items each at least <paramref name="minItemSize"/> bytes: refused if the payload cannot hold them.</summary>
    public int Count(int minItemSize)
    {
        var count = U32();
        if (count > (uint)(_rest.Length / Math.Max(1, minItemSize)))
        {
            throw new FormatException($"count {count} exceeds the payload");
        }
        return (int)count;
    }

    public ReadOnlySpan<byte> BytesSpan() => Take(Count(1));

    public byte[] Bytes() => BytesSpan().ToArray();

    public string String() => Encoding.UTF8.GetString(BytesSpan());

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _rest.Length)
        {
            throw new FormatException("payload ends early");
        }
        var taken = _rest[..length];
        _rest = _rest[length..];
        return taken;
    }
}
