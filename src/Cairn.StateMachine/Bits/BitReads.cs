using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Bits;

/// <summary>The bit family's reads (bitops.c, Redis 7.0) on a read view. Operands: <see cref="BitsOp"/>.</summary>
internal static class BitReads
{
    public static KvReply Answer(IReadView view, KvCommand c)
    {
        var value = view.String(c.Args[0], out var error);
        if (error is not null)
        {
            return error.Value;
        }
        var p = (value ?? ReadOnlyMemory<byte>.Empty).Span;
        return (BitsOp)c.Op.Low() switch
        {
            BitsOp.GetBit => KvReply.Int((c.Number >> 3) < p.Length ? BitRanges.Bit(p, c.Number) : 0),
            BitsOp.BitCount => value is null ? KvReply.Int(0) : BitRanges.Count(p, c.Args[1..]),
            BitsOp.BitPos => value is null ? KvReply.Int(c.Number == 1 ? -1 : 0) : BitRanges.Position(p, (int)c.Number, c.Args[1..]),
            BitsOp.BitFieldRo => Gets(p, c),
            _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a query"),
        };
    }

    private static KvReply Gets(ReadOnlySpan<byte> p, KvCommand c)
    {
        var replies = new KvReply[c.Args.Length - 1];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = BitFields.Read(p, BitFields.Decode(c.Args[i + 1]));
        }
        return KvReply.Array(replies);
    }
}
