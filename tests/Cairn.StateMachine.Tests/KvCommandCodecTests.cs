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
}
