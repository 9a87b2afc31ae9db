using System.Buffers.Binary;
using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

public class KeyIndexTests
{
    /// <summary>
    /// The same random writes (whole-key replacements and deletions mixed with read-modify-writes, expiries
    /// passing, several entries per batch) with the index off, on, and so small it keeps starting over:
    /// every reply, the counters and the stored state are identical.
    /// </summary>
    [Fact]
    public void WritesAnswerAndStoreTheSameWithOrWithoutTheIndex()
    {
        var harnesses = new[] { new Harness("rocksdb", keyIndexBytes: 0), new Harness("rocksdb"), new Harness("memory", keyIndexBytes: 400) };
        try
        {
            var replies = harnesses.Select(h => Run(h, new Random(11))).ToList();
            Assert.Equal(replies[0], replies[1]);
            Assert.Equal(replies[0], replies[2]);
            Assert.True(harnesses[1].Machine.KeyIndex.Count > 0);
            Assert.True(harnesses[2].Machine.KeyIndex.Bytes <= 400);
            foreach (var h in harnesses.Skip(1))
            {
                Assert.Equal(harnesses[0].Machine.KeyCount, h.Machine.KeyCount);
                Assert.Equal(harnesses[0].Machine.ExpiresCount, h.Machine.ExpiresCount);
                Assert.Equal(State(harnesses[0]), State(h));
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

    private static List<string> Run(Harness h, Random random)
    {
        var log = new List<string>();
        for (var round = 0; round < 400; round++)
        {
            var batch = Enumerable.Range(0, 1 + random.Next(4)).Select(_ => Command(random, h.Now)).ToArray();
            h.Now += random.Next(400);
            log.AddRange(h.WriteBatch(batch).Select(r => $"{r.Kind}:{r}"));
            log.Add($"keys={h.Machine.KeyCount} expires={h.Machine.ExpiresCount}");
        }
        return log;
    }

    private static KvCommand Command(Random random, long now)
    {
        byte[] Key() => B("k" + random.Next(12));
        var ttl = 1 + random.Next(1500);
        if (random.Next(100) == 0)
        {
            return new KvCommand(KvOp.FlushAll, []);
        }
        return random.Next(14) switch
        {
            0 => Set("k" + random.Next(12), "v"),
            1 => new KvCommand(KvOp.Set, [Key(), B("e")], ttl, flags: KvFlags.ExpireRelative),
            2 => new KvCommand(KvOp.Set, [Key(), B("t")], flags: KvFlags.KeepTtl),
            3 => new KvCommand(KvOp.Set, [Key(), B("n")], ttl, flags: KvFlags.Nx | KvFlags.ExpireRelative),
            4 => new KvCommand(KvOp.Set, [Key(), B("x")], flags: KvFlags.Xx | KvFlags.KeepTtl),
            5 => new KvCommand(KvOp.Set, [Key(), B("g")], flags: KvFlags.Get),
            6 => new KvCommand(KvOp.SetNx, [Key(), B("s")]),
            7 => new KvCommand(KvOp.Del, [Key(), Key()]),
            8 => new KvCommand(KvOp.MSet, [Key(), B("m1"), Key(), B("m2")]),
            9 => new KvCommand(KvOp.MSetNx, [Key(), B("n1"), Key(), B("n2")]),
            10 => new KvCommand(KvOp.Expire, [Key()], ttl, flags: KvFlags.ExpireRelative),
            11 => new KvCommand(KvOp.Append, [Key(), B("a")]),
            12 => new KvCommand(KvOp.GetDel, [Key()]),
            _ => ExpireKeys(Key(), now - random.Next(1500)),
        };
    }

    private static KvCommand ExpireKeys(byte[] key, long expected)
    {
        var expiry = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(expiry, expected);
        return new KvCommand(KvOp.ExpireKeys, [key, expiry]);
    }

    private static List<string> State(Harness h)
    {
        var state = new List<string>();
        foreach (var space in new[] { KvSpace.Data, KvSpace.Expiry, KvSpace.Names })
        {
            using var iterator = h.Engine.NewIterator(space);
            for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
            {
                state.Add($"{space}:{Convert.ToHexString(iterator.Key)}={Convert.ToHexString(iterator.Value)}");
            }
        }
        return state;
    }

    [Fact]
    public void AKeyTheIndexKnowsCostsWholeKeyWritesNoEngineRead()
    {
        var engine = new CountingEngine(new InMemoryKvEngine());
        var machine = new KvStateMachine(engine, new RecordCache(0), new KeyIndex(1 << 20));
        var replies = new KvReply[3];
        machine.Apply([new KvEntry(1, 1, Set("k", "1")), new KvEntry(2, 1, Set("gone", "1"))], replies, sync: false);
        var reads = engine.DataReads;
        machine.Apply(
            [
                new KvEntry(3, 1, new KvCommand(KvOp.Set, [B("k"), B("2")], 60_000, flags: KvFlags.ExpireRelative)),
                new KvEntry(4, 1, new KvCommand(KvOp.Del, [B("gone")])),
                new KvEntry(5, 1, new KvCommand(KvOp.Set, [B("k"), B("3")], flags: KvFlags.KeepTtl)),
            ], replies, sync: false);
        Assert.Equal(reads, engine.DataReads);
        machine.Apply([new KvEntry(6, 1, new KvCommand(KvOp.SetNx, [B("gone"), B("back")]))], replies, sync: false);
        Assert.Equal(1, replies[0].Integer);
        Assert.Equal(reads, engine.DataReads);
        Assert.Equal(2, machine.KeyCount);
        Assert.Equal(1, machine.ExpiresCount);
        Assert.Equal(60_001, machine.Query(new KvCommand(KvOp.ExpireTime, [B("k")], flags: KvFlags.Milliseconds), 1).Integer);
    }

    [Fact]
    public void ARestoredSnapshotReplacesWhatTheIndexKnew()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cairn-cp-" + Guid.NewGuid().ToString("N"));
        using var source = new Harness("rocksdb");
        using var target = new Harness("rocksdb");
        source.Write(Set("a", "1"));
        source.Machine.Checkpoint(directory);
        target.Write(Set("b", "1"));
        target.Write(Set("c", "1", KvFlags.ExpireRelative, 60_000));
        Assert.True(target.Machine.KeyIndex.Count >= 2);
        target.Machine.Restore(directory);
        Assert.Equal(0, target.Machine.KeyIndex.Count);
        // Had the index kept "b" and "c" as stored, these would count keys the restored store does not hold.
        target.WriteBatch(Set("b", "2"), Set("c", "2"), new KvCommand(KvOp.Del, [B("a")]));
        Assert.Equal(2, target.Machine.KeyCount);
        Assert.Equal(0, target.Machine.ExpiresCount);
    }

    private sealed class CountingEngine(IKvEngine inner) : DelegatingEngine(inner)
    {
        public int DataReads { get; private set; }

        public override byte[]? Get(KvSpace space, ReadOnlySpan<byte> key)
        {
            DataReads += space == KvSpace.Data ? 1 : 0;
            return base.Get(space, key);
        }
    }
}
