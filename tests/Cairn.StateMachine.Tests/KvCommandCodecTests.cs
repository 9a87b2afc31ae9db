using System.Text;

namespace Cairn.StateMachine.Tests;

public class KvCommandCodecTests
{
    [Fact]
    public void CommandsRoundTrip()
    {
        var command = new KvCommand(KvOp.Set, [Encoding.UTF8.GetBytes("key"), [0, 1, 2, 255], []], 10_000, -5,
            KvFlags.Nx | KvFlags.Get | KvFlags.ExpireRelative, 2.5);
        var decoded = KvCommandCodec.Decode(KvCommandCodec.Encode(command, 1_700_000_000_123), out var timestamp);
        Assert.Equal(1_700_000_000_123, timestamp);
        Assert.Equal(command.Op, decoded.Op);
        Assert.Equal(command.Flags, decoded.Flags);
        Assert.Equal(command.Number, decoded.Number);
        Assert.Equal(command.Number2, decoded.Number2);
        Assert.Equal(command.Float, decoded.Float);
        Assert.Equal(command.Args, decoded.Args);
    }

    [Fact]
    public void MalformedBytesAreRejectedWithoutHugeAllocations()
    {
        var good = KvCommandCodec.Encode(new KvCommand(KvOp.Del, [[1], [2]]), 1);
        for (var cut = 0; cut < good.Length; cut++)
        {
            Assert.Throws<FormatException>(() => KvCommandCodec.Decode(good.AsSpan(0, cut), out _));
        }
        var hugeCount = (byte[])good.Clone();
        BitConverter.TryWriteBytes(hugeCount.AsSpan(36), int.MaxValue);
        Assert.Throws<FormatException>(() => KvCommandCodec.Decode(hugeCount, out _));
        var badOp = (byte[])good.Clone();
        badOp[9] = 200;
        Assert.Throws<FormatException>(() => KvCommandCodec.Decode(badOp, out _));
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var garbage = new byte[random.Next(0, 80)];
            random.NextBytes(garbage);
            try
            {
                KvCommandCodec.Decode(garbage, out _);
            }
            catch (FormatException)
            {
                // Expected for nearly all of them; anything else fails the test.
            }
        }
    }

    /// <summary>A forwarded write's entry (version 2) carries its session stamp; every other write keeps version 1's bytes.</summary>
    [Fact]
    public void ASessionStampTravelsInVersionTwoAndOtherWritesStayVersionOne()
    {
        var command = new KvCommand(KvOp.Set, [Harness.B("k"), Harness.B("v")], 5, flags: KvFlags.ExpireRelative);
        var plain = KvCommandCodec.Encode(command, 42);
        Assert.Equal(1, plain[0]);
        Assert.Equal(plain, KvCommandCodec.Encode(command, 42, SessionStamp.None));
        var stamp = new SessionStamp(0xFEED, 7, 3, 0xBEEF);
        var stamped = KvCommandCodec.Encode(command, 42, stamp);
        Assert.Equal(2, stamped[0]);
        Assert.Equal(plain.Length + 32, stamped.Length);
        var decoded = KvCommandCodec.Decode(stamped, out var timestamp, out var read);
        Assert.Equal((42L, stamp), (timestamp, read));
        Assert.Equal(command.Args, decoded.Args);
        Assert.Equal((command.Op, command.Number, command.Flags), (decoded.Op, decoded.Number, decoded.Flags));
        KvCommandCodec.Decode(plain, out _, out var none);
        Assert.True(none.IsNone);
        // A session entry without a session or a sequence number is not a session entry.
        Assert.Throws<FormatException>(() => KvCommandCodec.Decode(KvCommandCodec.Encode(command, 42, stamp with { Seq = 0 }), out _, out _));
        Assert.Throws<FormatException>(() => KvCommandCodec.Decode(stamped.AsSpan(0, 40), out _, out _));
    }
}
