using System.Text;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Property: seeded random commands — any op (and ops that do not exist), any operand count, lengths, extreme
/// numbers and flag bits — never make Apply or Query throw (nor fall back on the fault backstop), and every
/// engine answers and stores the same.
/// A failing seed replays exactly (the seed is in the test's name).
/// </summary>
public class RandomCommandTests
{
    private static readonly long[] ExtremeNumbers =
    [
        0, 1, -1, 2, 10, 1000, long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1,
        KvStateMachine.MaxStringLength, KvStateMachine.MaxStringLength + 1, int.MaxValue, int.MinValue,
        (long)int.MaxValue + 1, 1_700_000_000_000, 1_700_000_000_000 * 1000, -1_700_000_000_000,
    ];

    private static readonly double[] ExtremeFloats =
    [
        0, 1.5, -1.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.MinValue,
        double.Epsilon, 1e308, -1e308, 5e-324,
    ];

    private static readonly string[] NumberTexts =
    [
        "0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.5", "inf", "-inf",
        "nan", "0x10", "1e308", "1e309", "", " 1", "00", "+1", "-0",
    ];

    private static readonly KvOp[] Ops =
    [
        .. Enum.GetValues<KvOp>(), (KvOp)0, (KvOp)18, (KvOp)63, (KvOp)200,
        .. Enum.GetValues<HashOp>().Select(KvOps.Of), .. Enum.GetValues<HashOp>().Select(KvOps.Of),
        .. Enum.GetValues<SetOp>().Select(KvOps.Of), .. Enum.GetValues<SetOp>().Select(KvOps.Of),
        .. Enum.GetValues<ZSetOp>().Select(KvOps.Of), .. Enum.GetValues<ZSetOp>().Select(KvOps.Of),
        .. Enum.GetValues<ListOp>().Select(KvOps.Of), .. Enum.GetValues<ListOp>().Select(KvOps.Of), (KvOp)0x0100, (KvOp)0x01ff, (KvOp)0x0901,
        .. Enum.GetValues<BitsOp>().Select(KvOps.Of), .. Enum.GetValues<BitsOp>().Select(KvOps.Of),
    ];

    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4, 5, 6, 7, 8 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomCommandsNeverThrowAndEveryEngineAgrees(int seed)
    {
        var harnesses = new[] { "memory", "rocksdb", "rocksdb+cache" }.Select(e => new Harness(e)).ToArray();
        try
        {
            var faults = new List<long>();
            foreach (var h in harnesses)
            {
                h.Machine.CommandFaulted = (index, _) => faults.Add(index);
            }
            var transcripts = harnesses.Select(h => Run(h, seed)).ToArray();
            // The backstop turns a throwing command into an error reply; the operand rules must leave it nothing to do.
            Assert.Empty(faults);
            Assert.DoesNotContain(transcripts[0], line => line.StartsWith("ERR internal", StringComparison.Ordinal));
            for (var i = 1; i < harnesses.Length; i++)
            {
                Assert.Equal(transcripts[0], transcripts[i]);
                Assert.Equal(harnesses[0].Machine.Digest(), harnesses[i].Machine.Digest());
                Assert.Equal(harnesses[0].Machine.KeyCount, harnesses[i].Machine.KeyCount);
            }
        }
        finally
        {
            foreach (var h in harnesses)
            {
                h.Dispose();
            }
        }
    }

    /// <summary>Applies the seed's batches and queries; the transcript of every reply and every keyspace event, in order.</summary>
    private static List<string> Run(Harness h, int seed)
    {
        var random = new Random(seed);
        var transcript = new List<string>();
        h.Machine.KeyspaceEvents = KeyspaceEvents.All | KeyspaceEvents.New | KeyspaceEvents.Keyspace | KeyspaceEvents.Keyevent;
        h.Machine.MessagesPublished = messages => transcript.AddRange(messages.Select(m =>
            $"event {m.Index} {Convert.ToHexString(m.Channel)} {Convert.ToHexString(m.Message)}"));
        for (var step = 0; step < 300; step++)
        {
            h.Now += random.Next(0, 3) == 0 ? random.Next(0, 20_000) : 0;
            var batch = Enumerable.Range(0, random.Next(1, 6)).Select(_ => RandomCommand(random)).ToArray();
            var writes = batch.Where(c => c.IsWrite || !c.Op.IsKnown() || random.Next(4) == 0).ToArray();
            if (writes.Length > 0)
            {
                transcript.AddRange(h.WriteBatch(writes).Select(r => r.ToString()));
            }
            foreach (var query in batch.Except(writes))
            {
                var reply = h.Read(query, random.Next(3) == 0 ? h.Now + random.Next(0, 100_000) : h.Now);
                // RANDOMKEY, HRANDFIELD and SRANDMEMBER pick at random by design; they must answer, not match across engines.
                var drawn = query.Op == KvOp.RandomKey || query.Op == KvOps.Of(HashOp.HRandField) || query.Op == KvOps.Of(SetOp.SRandMember) || query.Op == KvOps.Of(ZSetOp.ZRandMember);
                transcript.Add(drawn && !reply.IsError ? "random" : reply.ToString());
            }
        }
        transcript.Add($"keys={h.Machine.KeyCount} expires={h.Machine.ExpiresCount}");
        return transcript;
    }

    private static KvCommand RandomCommand(Random random)
    {
        var op = Ops[random.Next(Ops.Length)];
        var count = random.Next(10) switch
        {
            < 6 => random.Next(1, 3),
            < 8 => random.Next(0, 5),
            _ => random.Next(0, 12),
        };
        var args = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            args[i] = RandomArgument(random, i);
        }
        var flags = random.Next(3) switch
        {
            0 => (KvFlags)random.Next(0, 1 << 25),
            1 => (KvFlags)(1 << random.Next(0, 25)),
            _ => KvFlags.None,
        };
        var number = random.Next(3) == 0 ? random.NextInt64(-100, 100_000) : ExtremeNumbers[random.Next(ExtremeNumbers.Length)];
        var number2 = random.Next(3) == 0 ? random.NextInt64(-10, 100) : ExtremeNumbers[random.Next(ExtremeNumbers.Length)];
        var @float = random.Next(3) == 0 ? random.NextDouble() * 1000 - 500 : ExtremeFloats[random.Next(ExtremeFloats.Length)];
        // A valid SETRANGE past a few MB only costs the test memory, not coverage.
        if (op == KvOp.SetRange && number is > 4 << 20 and <= KvStateMachine.MaxStringLength - 64)
        {
            number = 4 << 20;
        }
        // A valid bit offset past a few MB only costs the test memory (512 MB strings), not coverage.
        if (op == KvOps.Of(BitsOp.SetBit) && number is > 1 << 23 and < 1L << 32)
        {
            number = 1 << 23;
        }
        // BITFIELD's ops travel encoded: mostly valid ones, some junk.
        if (op == KvOps.Of(BitsOp.BitField) || op == KvOps.Of(BitsOp.BitFieldRo))
        {
            for (var i = 1; i < count; i++)
            {
                args[i] = random.Next(4) == 0 ? args[i] : Bits.BitFields.Encode(new Bits.BitFields.Op(
                    (byte)random.Next(0, 4), random.Next(2) == 0, random.Next(0, 66), (byte)random.Next(0, 4), (ulong)random.Next(0, 2000), ExtremeNumbers[random.Next(ExtremeNumbers.Length)]));
            }
        }
        // LPOS carries its MAXLEN as 8 bytes.
        if (op == KvOps.Of(ListOp.LPos) && count == 3 && random.Next(2) == 0)
        {
            args[2] = BitConverter.GetBytes(random.Next(2) == 0 ? random.NextInt64(0, 5) : ExtremeNumbers[random.Next(ExtremeNumbers.Length)]);
        }
        return new KvCommand(op, args, number, number2, flags, @float);
    }

    private static byte[] RandomArgument(Random random, int position) => random.Next(8) switch
    {
        < 3 => B("k" + random.Next(6)),
        3 => Encoding.ASCII.GetBytes(NumberTexts[random.Next(NumberTexts.Length)]),
        4 => BitConverter.GetBytes(random.NextInt64()).Reverse().ToArray(),
        5 => B(random.Next(2) == 0 ? "*" : "k[0-3]*"),
        6 => RandomBytes(random, random.Next(0, 64)),
        _ => position == 0 ? B("k" + random.Next(6)) : RandomBytes(random, random.Next(0, 2048)),
    };

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
