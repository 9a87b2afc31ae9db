using Cairn.StateMachine.Bits;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Bit operations on strings (issue 20), with the values Redis 7.0 gives (its documentation's examples and
/// replies checked against redis-server): SETBIT keeps the key's TTL, BITOP replaces its destination, BITFIELD's
/// overflow rules, and ops a peer could send that the syntax never makes.
/// </summary>
public class BitTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void SetBitGrowsTheStringAndKeepsItsExpiry(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("b", "", KvFlags.ExpireRelative, 100_000));
        Assert.Equal(0, h.Run(BitSyntax.SetBit, "setbit", "b", "7", "1").Integer);
        Assert.Equal(1, h.Run(BitSyntax.SetBit, "setbit", "b", "7", "0").Integer);
        Assert.Equal(0, h.Run(BitSyntax.SetBit, "setbit", "b", "100", "0").Integer);
        Assert.Equal(13, h.Read(new KvCommand(KvOp.StrLen, [B("b")])).Integer);
        Assert.True(h.Read(new KvCommand(KvOp.Ttl, [B("b")])).Integer > 0);
        Assert.Equal(0, h.Run(BitSyntax.GetBit, "getbit", "b", "1000").Integer);
        Assert.Equal(BitSyntax.BadOffset, BitSyntax.SetBit([B("setbit"), B("b"), B("4294967296"), B("1")]).Error);
        Assert.Equal(BitSyntax.BadBit, BitSyntax.SetBit([B("setbit"), B("b"), B("1"), B("2")]).Error);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void CountsAndPositionsMatchRedis(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("s", "foobar"));
        Assert.Equal(26, h.Run(BitSyntax.BitCount, "bitcount", "s").Integer);
        Assert.Equal(6, h.Run(BitSyntax.BitCount, "bitcount", "s", "1", "1").Integer);
        Assert.Equal(17, h.Run(BitSyntax.BitCount, "bitcount", "s", "5", "30", "BIT").Integer);
        Assert.Equal(0, h.Run(BitSyntax.BitCount, "bitcount", "nokey", "a", "b").Integer);
        Assert.Equal(KvErrors.Syntax, h.Run(BitSyntax.BitCount, "bitcount", "s", "1").ToString());
        Assert.Equal(1, h.Run(BitSyntax.BitPos, "bitpos", "s", "1").Integer);
        Assert.Equal(17, h.Run(BitSyntax.BitPos, "bitpos", "s", "1", "2").Integer);
        Assert.Equal(9, h.Run(BitSyntax.BitPos, "bitpos", "s", "1", "7", "15", "BIT").Integer);
        h.Write(new KvCommand(KvOp.Set, [B("ones"), [0xff, 0xff]]));
        // Clear bits past the end count unless an end bounds the search.
        Assert.Equal(16, h.Run(BitSyntax.BitPos, "bitpos", "ones", "0").Integer);
        Assert.Equal(-1, h.Run(BitSyntax.BitPos, "bitpos", "ones", "0", "0", "1").Integer);
        Assert.Equal(-1, h.Run(BitSyntax.BitPos, "bitpos", "nokey", "1").Integer);
        Assert.Equal(0, h.Run(BitSyntax.BitPos, "bitpos", "nokey", "0").Integer);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void BitOpReplacesTheDestinationAndAnEmptyResultDeletesIt(string engine)
    {
        using var h = new Harness(engine);
        h.Write(new KvCommand(KvOp.Set, [B("a"), [0b1100, 0xff]]));
        h.Write(new KvCommand(KvOp.Set, [B("b"), [0b1010]]));
        h.Write(Set("dst", "old", KvFlags.ExpireRelative, 100_000));
        Assert.Equal(2, h.Run(BitSyntax.BitOp, "bitop", "and", "dst", "a", "b").Integer);
        Assert.Equal(new byte[] { 0b1000, 0 }, h.Read(new KvCommand(KvOp.Get, [B("dst")])).Bytes.ToArray());
        Assert.Equal(-1, h.Read(new KvCommand(KvOp.Ttl, [B("dst")])).Integer);
        Assert.Equal(2, h.Run(BitSyntax.BitOp, "bitop", "not", "dst", "a").Integer);
        Assert.Equal(new byte[] { 0xf3, 0 }, h.Read(new KvCommand(KvOp.Get, [B("dst")])).Bytes.ToArray());
        Assert.Equal(0, h.Run(BitSyntax.BitOp, "bitop", "or", "dst", "nokey").Integer);
        Assert.Equal(0, h.Read(new KvCommand(KvOp.Exists, [B("dst")])).Integer);
        Assert.Equal("ERR BITOP NOT must be called with a single source key.", BitSyntax.BitOp([B("bitop"), B("not"), B("d"), B("a"), B("b")]).Error);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void BitFieldWrapsSaturatesAndFails(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal("[0, 100]", h.Run(BitSyntax.BitField, "bitfield", "f", "SET", "i8", "0", "100", "GET", "i8", "0").ToString());
        Assert.Equal("[-56]", h.Run(BitSyntax.BitField, "bitfield", "f", "INCRBY", "i8", "0", "100").ToString());
        Assert.Equal("[44]", h.Run(BitSyntax.BitField, "bitfield", "f", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100").ToString());
        Assert.Equal("[(nil), 44]", h.Run(BitSyntax.BitField, "bitfield", "f", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "100", "GET", "u8", "0").ToString());
        Assert.Equal("[44, 44]", h.Run(BitSyntax.BitField, "bitfield", "f", "INCRBY", "u8", "#1", "300", "GET", "u8", "#1").ToString());
        h.Run(BitSyntax.BitField, "bitfield", "f", "SET", "i64", "0", "-1");
        Assert.Equal("[9223372036854775806, 9223372036854775807, -9223372036854775808]",
            h.Run(BitSyntax.BitField, "bitfield", "f", "INCRBY", "i64", "0", "9223372036854775807", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807", "OVERFLOW", "WRAP", "INCRBY", "i64", "0", "1").ToString());
        Assert.Equal("ERR BITFIELD_RO only supports the GET subcommand", BitSyntax.BitFieldRo([B("bitfield_ro"), B("f"), B("SET"), B("i8"), B("0"), B("1")]).Error);
        // A BITFIELD of GETs only, as a peer may send it as a write: answered, nothing created.
        var gets = new KvCommand(KvOps.Of(BitsOp.BitField), [B("new"), BitFields.Encode(new BitFields.Op(BitFields.Get, true, 8, BitFields.Wrap, 0, 0))]);
        Assert.Equal("[0]", h.Write(gets).ToString());
        Assert.Equal(0, h.Read(new KvCommand(KvOp.Exists, [B("new")])).Integer);
    }
}
