using System.Buffers.Binary;
using System.Text;
using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

public class KeyTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ExpireOptionsCompareWithTheCurrentTtl(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("k", "v"));
        KvReply Expire(long ms, KvFlags flags) => h.Write(new KvCommand(KvOp.Expire, [B("k")], ms, flags: KvFlags.ExpireRelative | flags));
        Assert.Equal(0, Expire(10_000, KvFlags.Xx).Integer);
        Assert.Equal(0, Expire(10_000, KvFlags.Gt).Integer);
        Assert.Equal(1, Expire(10_000, KvFlags.Lt).Integer);
        Assert.Equal(0, Expire(20_000, KvFlags.Nx).Integer);
        Assert.Equal(0, Expire(5_000, KvFlags.Gt).Integer);
        Assert.Equal(1, Expire(20_000, KvFlags.Gt).Integer);
        Assert.Equal(1, Expire(-1, KvFlags.None).Integer);
        Assert.Null(h.Get("k"));
        Assert.Equal(0, h.Machine.KeyCount);
        Assert.Equal(0, Expire(1000, KvFlags.None).Integer);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void RenameCarriesTheTtlAndRespectsNx(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(KvErrors.NoSuchKey, h.Write(new KvCommand(KvOp.Rename, [B("a"), B("b")])).Text);
        h.Write(Set("a", "1", KvFlags.ExpireRelative, 60_000));
        h.Write(Set("c", "3"));
        Assert.Equal(0, h.Write(new KvCommand(KvOp.RenameNx, [B("a"), B("c")])).Integer);
        Assert.Equal(KvReplyKind.Ok, h.Write(new KvCommand(KvOp.Rename, [B("a"), B("b")])).Kind);
        Assert.Null(h.Get("a"));
        Assert.Equal(60, h.Read(new KvCommand(KvOp.Ttl, [B("b")])).Integer);
        Assert.Equal(2, h.Machine.KeyCount);
        Assert.Equal(1, h.Machine.ExpiresCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void DelCountsOnlyLiveKeys(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("a", "1"));
        h.Write(Set("b", "2", KvFlags.ExpireRelative, 10));
        h.Now += 10;
        Assert.Equal(1, h.Write(new KvCommand(KvOp.Del, [B("a"), B("b"), B("a"), B("zz")])).Integer);
        Assert.Equal(0, h.Machine.KeyCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ActiveExpiryDeletesOnlyWhatStillHasThatExpiry(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("gone", "1", KvFlags.ExpireRelative, 10));
        h.Write(Set("renewed", "2", KvFlags.ExpireRelative, 10));
        h.Now += 20;
        var expired = h.Machine.FindExpired(h.Now, 100);
        Assert.Equal(["gone", "renewed"], expired.Select(e => Encoding.UTF8.GetString(e.Key)).Order());
        h.Write(Set("renewed", "2", KvFlags.ExpireRelative, 60_000));
        var args = expired.SelectMany(e =>
        {
            var at = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(at, e.ExpireAt);
            return new[] { e.Key, at };
        }).ToArray();
        Assert.Equal(1, h.Write(new KvCommand(KvOp.ExpireKeys, args)).Integer);
        Assert.Equal(1, h.Machine.KeyCount);
        Assert.Equal("2", h.Get("renewed"));
        Assert.Empty(h.Machine.FindExpired(h.Now, 100));
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ScanVisitsEveryKeyOnceWithAnyCount(string engine)
    {
        using var h = new Harness(engine);
        var keys = Enumerable.Range(0, 500).Select(i => $"key:{i}").ToList();
        foreach (var chunk in keys.Chunk(100))
        {
            h.Write(new KvCommand(KvOp.MSet, chunk.SelectMany(k => new[] { B(k), B("v") }).ToArray()));
        }
        foreach (var count in new[] { 1, 7, 100, 1000 })
        {
            var seen = new List<string>();
            long cursor = 0;
            do
            {
                var reply = h.Read(new KvCommand(KvOp.Scan, [[], []], cursor, count));
                cursor = long.Parse(reply.Items![0].ToString());
                seen.AddRange(reply.Items[1].Items!.Select(i => i.ToString()));
            }
            while (cursor != 0);
            Assert.Equal(keys.Order(), seen.Order());
        }
        var matched = h.Read(new KvCommand(KvOp.Keys, [B("key:1?")]));
        Assert.Equal(10, matched.Items!.Length);
        Assert.StartsWith("key:", h.Read(new KvCommand(KvOp.RandomKey, [])).ToString());
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void StringCommandsOnAnotherTypeGetWrongType(string engine)
    {
        // No command makes a non-string yet, so the record is planted in the store directly.
        using var h = new Harness(engine);
        var batch = h.Engine.NewBatch();
        batch.Put(KvSpace.Data, KeyCodec.DataKey(B("h")), ValueRecord.CreateCollection(ValueType.Hash, 0, 1, 1, 0));
        h.Engine.Write(batch, sync: false);
        foreach (var command in new[]
        {
            new KvCommand(KvOp.Get, [B("h")]), new KvCommand(KvOp.StrLen, [B("h")]), new KvCommand(KvOp.GetRange, [B("h")], 0, 1),
        })
        {
            Assert.Equal(KvErrors.WrongType, h.Read(command).Text);
        }
        foreach (var command in new[]
        {
            new KvCommand(KvOp.IncrBy, [B("h")], 1), new KvCommand(KvOp.Append, [B("h"), B("x")]), new KvCommand(KvOp.GetDel, [B("h")]),
            new KvCommand(KvOp.SetRange, [B("h"), B("x")], 0), new KvCommand(KvOp.IncrByFloat, [B("h")], @float: 1),
            Set("h", "v", KvFlags.Get), new KvCommand(KvOp.GetEx, [B("h")], 0, flags: KvFlags.Persist),
        })
        {
            Assert.Equal(KvErrors.WrongType, h.Write(command).Text);
        }
        Assert.Equal("hash", h.Read(new KvCommand(KvOp.Type, [B("h")])).ToString());
        Assert.Equal("[(nil)]", h.Read(new KvCommand(KvOp.MGet, [B("h")])).ToString());
        Assert.Equal(KvReplyKind.Ok, h.Write(Set("h", "now a string")).Kind);
        Assert.Equal("now a string", h.Get("h"));
    }

    [Fact]
    public void StateSurvivesReopeningTheStore()
    {
        using var h = new Harness("rocksdb");
        h.Write(Set("a", "1", KvFlags.ExpireRelative, 60_000));
        h.Write(Set("b", "2"));
        var applied = h.Machine.AppliedIndex;
        h.Reopen();
        Assert.Equal(applied, h.Machine.AppliedIndex);
        Assert.Equal(2, h.Machine.KeyCount);
        Assert.Equal(1, h.Machine.ExpiresCount);
        Assert.Equal("1", h.Get("a"));
    }

    [Fact]
    public void ApplyIsDeterministic()
    {
        using var first = new Harness("memory");
        using var second = new Harness("rocksdb");
        var random = new Random(7);
        foreach (var h in new[] { first, second })
        {
            var commands = new Random(7);
            for (var i = 0; i < 300; i++)
            {
                var key = B("k" + commands.Next(20));
                KvCommand command = commands.Next(6) switch
                {
                    0 => new KvCommand(KvOp.Set, [key, B(i.ToString())], commands.Next(3000), flags: commands.Next(2) == 0 ? KvFlags.ExpireRelative : KvFlags.None),
                    1 => new KvCommand(KvOp.IncrBy, [key], 3),
                    2 => new KvCommand(KvOp.Append, [key, B("x")]),
                    3 => new KvCommand(KvOp.Del, [key]),
                    4 => new KvCommand(KvOp.Rename, [key, B("k" + commands.Next(20))]),
                    _ => new KvCommand(KvOp.Expire, [key], commands.Next(2000), flags: KvFlags.ExpireRelative),
                };
                h.Now += commands.Next(100);
                h.Write(command);
            }
        }
        Assert.Equal(Dump(first.Engine), Dump(second.Engine));
        Assert.Equal(first.Machine.KeyCount, second.Machine.KeyCount);
        Assert.Equal(first.Machine.ExpiresCount, second.Machine.ExpiresCount);
    }

    [Fact]
    public void AFailedWriteAppliesNothing()
    {
        var engine = new FailingEngine(new InMemoryKvEngine());
        var machine = new KvStateMachine(engine);
        var replies = new KvReply[1];
        machine.Apply([new KvEntry(1, 1, Set("a", "1"))], replies, sync: true);
        engine.Fail = true;
        Assert.Throws<IOException>(() => machine.Apply([new KvEntry(2, 1, Set("b", "2"))], replies, sync: true));
        Assert.Equal(1, machine.AppliedIndex);
        Assert.Equal(1, machine.KeyCount);
        engine.Fail = false;
        machine.Apply([new KvEntry(2, 1, new KvCommand(KvOp.IncrBy, [B("b")], 1))], replies, sync: true);
        Assert.Equal(1, replies[0].Integer);
        Assert.Equal(2, machine.KeyCount);
    }

    private static List<string> Dump(IKvEngine engine)
    {
        var rows = new List<string>();
        foreach (var space in new[] { KvSpace.Data, KvSpace.Expiry, KvSpace.Meta })
        {
            using var iterator = engine.NewIterator(space);
            for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
            {
                rows.Add($"{space}:{Convert.ToHexString(iterator.Key)}={Convert.ToHexString(iterator.Value)}");
            }
        }
        return rows;
    }

    private sealed class FailingEngine(IKvEngine inner) : DelegatingEngine(inner)
    {
        public bool Fail { get; set; }

        public override void Write(IWriteBatch batch, bool sync)
        {
            if (Fail)
            {
                throw new IOException("No space left on device");
            }
            base.Write(batch, sync);
        }
    }
}
