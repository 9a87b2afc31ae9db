using Cairn.StateMachine.Sets;
using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// Sets on the collection store (issue 20): Redis 7.0's replies, SPOP drawn from the entry (every replica pops the
/// same members), the STORE commands replace whatever the destination held, WRONGTYPE checked on every key first.
/// </summary>
public class SetTests
{
    private static string Sorted(KvReply reply) => string.Join(",", reply.Items!.Select(i => i.ToString()).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void MembersAreAddedTestedAndAnEmptiedSetIsGone(string engine)
    {
        using var h = new Harness(engine);
        Assert.Equal(3, h.Run(SetSyntax.SAdd, "sadd", "s", "a", "b", "a", "c").Integer);
        Assert.Equal(0, h.Run(SetSyntax.SAdd, "sadd", "s", "a").Integer);
        Assert.Equal(3, h.Run(SetSyntax.SCard, "scard", "s").Integer);
        var members = h.Run(SetSyntax.SMembers, "smembers", "s");
        Assert.Equal(KvReplyKind.Set, members.Kind);
        Assert.Equal("a,b,c", Sorted(members));
        Assert.Equal("[1, 0]", h.Run(SetSyntax.SMIsMember, "smismember", "s", "b", "z").ToString());
        Assert.Equal(1, h.Run(SetSyntax.SIsMember, "sismember", "s", "c").Integer);
        Assert.Equal(2, h.Run(SetSyntax.SRem, "srem", "s", "a", "b", "z").Integer);
        Assert.Equal(1, h.Run(SetSyntax.SMove, "smove", "s", "t", "c").Integer);
        Assert.Equal("none", h.Read(new KvCommand(KvOp.Type, [B("s")])).ToString());
        Assert.Equal("set", h.Read(new KvCommand(KvOp.Type, [B("t")])).ToString());
        Assert.Equal(1, h.Machine.KeyCount);
    }

    [Fact]
    public void SPopDrawsTheSameMembersOnEveryReplica()
    {
        using var a = new Harness("memory");
        using var b = new Harness("rocksdb");
        var fill = P(SetSyntax.SAdd, ["sadd", "s", .. Enumerable.Range(0, 200).Select(i => $"m{i}")]);
        var pops = new[] { P(SetSyntax.SPop, "spop", "s"), P(SetSyntax.SPop, "spop", "s", "7"), P(SetSyntax.SPop, "spop", "s", "150") };
        var onA = new[] { a.Write(fill) }.Concat(a.WriteBatch(pops)).Select(r => r.ToString()).ToList();
        var onB = new[] { b.Write(fill) }.Concat(b.WriteBatch(pops)).Select(r => r.ToString()).ToList();
        Assert.Equal(onA, onB);
        Assert.Equal(a.Machine.Digest(), b.Machine.Digest());
        Assert.Equal(42, a.Run(SetSyntax.SCard, "scard", "s").Integer);
        Assert.Equal(42, a.Run(SetSyntax.SPop, "spop", "s", "100").Items!.Length);
        Assert.Equal(0, a.Machine.KeyCount);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void StoreCommandsReplaceTheDestinationAndAnEmptyResultDeletesIt(string engine)
    {
        using var h = new Harness(engine);
        h.Run(SetSyntax.SAdd, "sadd", "x", "1", "2", "3");
        h.Run(SetSyntax.SAdd, "sadd", "y", "2", "3", "4");
        h.Write(Set("dst", "a string"));
        Assert.Equal(2, h.Run(SetSyntax.SInterStore, "sinterstore", "dst", "x", "y").Integer);
        Assert.Equal("2,3", Sorted(h.Run(SetSyntax.SMembers, "smembers", "dst")));
        // The destination among the sources: read before it is replaced.
        Assert.Equal(4, h.Run(SetSyntax.SUnionStore, "sunionstore", "x", "x", "y").Integer);
        Assert.Equal("1,2,3,4", Sorted(h.Run(SetSyntax.SMembers, "smembers", "x")));
        Assert.Equal(1, h.Run(SetSyntax.SDiffStore, "sdiffstore", "d", "x", "y", "nokey").Integer);
        Assert.Equal(0, h.Run(SetSyntax.SDiffStore, "sdiffstore", "x", "y", "x").Integer);
        Assert.Equal(0, h.Read(new KvCommand(KvOp.Exists, [B("x")])).Integer);
        Assert.Equal(1, h.Run(SetSyntax.SInterCard, "sintercard", "2", "y", "dst", "LIMIT", "1").Integer);
        Assert.Equal(2, h.Run(SetSyntax.SInterCard, "sintercard", "2", "y", "dst").Integer);
        h.Write(Set("str", "v"));
        Assert.Equal(KvErrors.WrongType, h.Run(SetSyntax.SInter, "sinter", "nokey", "str").ToString());
        Assert.Equal(KvErrors.WrongType, h.Run(SetSyntax.SMove, "smove", "y", "str", "2").ToString());
        Assert.Equal(KvErrors.WrongType, h.Run(SetSyntax.SAdd, "sadd", "str", "2").ToString());
        Assert.Equal("ERR value is out of range, must be positive", SetSyntax.SPop([B("spop"), B("y"), B("-1")]).Error);
        Assert.Equal("ERR numkeys should be greater than 0", SetSyntax.SInterCard([B("sintercard"), B("0"), B("y")]).Error);
    }

    /// <summary>
    /// Random writes of every kind that moves members in random batches, against a model: the members stay the model's,
    /// SPOP pops members, and a draw of 400 with repeats from at most 12 members reaches every one of them (the
    /// positions stay dense: a hole would be drawn as no member, a member left out never). Two engines agree.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PositionsStayDenseUnderRandomWrites(int seed)
    {
        var random = new Random(seed);
        using var memory = new Harness("memory");
        using var rocks = new Harness("rocksdb");
        var model = new Dictionary<string, SortedSet<string>>
        {
            ["a"] = new(StringComparer.Ordinal), ["b"] = new(StringComparer.Ordinal), ["c"] = new(StringComparer.Ordinal),
        };
        string K() => model.Keys.ElementAt(random.Next(3));
        for (var round = 0; round < 250; round++)
        {
            var batch = new List<(KvCommand Command, Action<KvReply> Follow)>();
            for (var i = random.Next(1, 5); i > 0; i--)
            {
                var key = K();
                var member = $"m{random.Next(12)}";
                switch (random.Next(7))
                {
                    case 0 or 1:
                        var members = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"m{random.Next(12)}").ToArray();
                        batch.Add((P(SetSyntax.SAdd, ["sadd", key, .. members]), _ => model[key].UnionWith(members)));
                        break;
                    case 2:
                        batch.Add((P(SetSyntax.SRem, "srem", key, member), _ => model[key].Remove(member)));
                        break;
                    case 3:
                        batch.Add((P(SetSyntax.SPop, "spop", key), r =>
                        {
                            if (r.ToString() is var popped && r.Kind != KvReplyKind.Null)
                            {
                                Assert.True(model[key].Remove(popped), $"SPOP {key} popped {popped}, not a member");
                            }
                        }));
                        break;
                    case 4:
                        batch.Add((P(SetSyntax.SPop, "spop", key, $"{random.Next(1, 5)}"), r =>
                        {
                            foreach (var popped in r.Items!.Select(x => x.ToString()))
                            {
                                Assert.True(model[key].Remove(popped), $"SPOP {key} n popped {popped}, not a member");
                            }
                        }));
                        break;
                    case 5:
                        var to = K();
                        batch.Add((P(SetSyntax.SMove, "smove", key, to, member), r =>
                        {
                            if (r.Integer == 1)
                            {
                                model[key].Remove(member);
                                model[to].Add(member);
                            }
                        }));
                        break;
                    case 6:
                        var (x, y) = (K(), K());
                        var op = random.Next(3);
                        batch.Add((P(op switch { 0 => SetSyntax.SInterStore, 1 => SetSyntax.SUnionStore, _ => SetSyntax.SDiffStore },
                            [op switch { 0 => "sinterstore", 1 => "sunionstore", _ => "sdiffstore" }, key, x, y]), _ =>
                        {
                            var result = new SortedSet<string>(model[x], StringComparer.Ordinal);
                            if (op == 0) { result.IntersectWith(model[y]); } else if (op == 1) { result.UnionWith(model[y]); } else { result.ExceptWith(model[y]); }
                            model[key] = result;
                        }));
                        break;
                }
            }
            var commands = batch.Select(b => b.Command).ToArray();
            var replies = memory.WriteBatch(commands);
            Assert.Equal(replies.Select(r => r.ToString()), rocks.WriteBatch(commands).Select(r => r.ToString()));
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Follow(replies[i]);
            }
            foreach (var (key, members) in model)
            {
                Assert.Equal(string.Join(",", members), Sorted(rocks.Run(SetSyntax.SMembers, "smembers", key)));
                Assert.Equal(members.Count, rocks.Run(SetSyntax.SCard, "scard", key).Integer);
                var drawn = rocks.Run(SetSyntax.SRandMember, "srandmember", key, "-400").Items!.Select(r => r.ToString()).ToHashSet();
                Assert.Equal(string.Join(",", members), string.Join(",", drawn.Order(StringComparer.Ordinal)));
                var distinct = rocks.Run(SetSyntax.SRandMember, "srandmember", key, $"{Math.Max(1, members.Count / 3)}").Items!.Select(r => r.ToString()).ToList();
                Assert.Equal(distinct.Count, distinct.Distinct().Count());
                Assert.All(distinct, m => Assert.Contains(m, members));
            }
        }
        Assert.Equal(memory.Machine.Digest(), rocks.Machine.Digest());
    }

    /// <summary>
    /// A random draw is one lookup by position: SPOP opens no iterator, however many members were popped before it
    /// (a draw by hash sought among their tombstones, which RocksDB steps over one by one until compaction).
    /// </summary>
    [Fact]
    public void SPopOpensNoIteratorHoweverManyPopsCameBefore()
    {
        var engine = new IteratorCountingEngine(new InMemoryKvEngine());
        var machine = new KvStateMachine(engine, new RecordCache(0), new KeyIndex(KvStateMachine.DefaultKeyIndexBytes));
        var index = 0L;
        KvReply Write(KvCommand command)
        {
            var replies = new KvReply[1];
            machine.Apply([new KvEntry(++index, 1, command)], replies, sync: false);
            return replies[0];
        }
        Write(P(SetSyntax.SAdd, ["sadd", "s", .. Enumerable.Range(0, 300).Select(i => $"m{i}")]));
        for (var i = 0; i < 290; i++)
        {
            Assert.Equal(KvReplyKind.Bulk, Write(P(SetSyntax.SPop, "spop", "s")).Kind);
        }
        var before = engine.Iterators;
        for (var i = 0; i < 4; i++)
        {
            Write(P(SetSyntax.SPop, "spop", "s"));
            Write(P(SetSyntax.SPop, "spop", "s", "1"));
        }
        Assert.Equal(before, engine.Iterators);
        // The last ones: a count of at least the set's size takes all of them, in hash order.
        Assert.Equal(2, Write(P(SetSyntax.SPop, "spop", "s", "5")).Items!.Length);
        Assert.Equal(0, machine.KeyCount);
    }

    /// <summary>A set stored before positions (a 16-byte header, empty member records) is drawn from by hash, and gets positions at its first write.</summary>
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void ASetStoredBeforePositionsGetsThemAtItsFirstWrite(string engine)
    {
        using var h = new Harness(engine);
        var batch = h.Engine.NewBatch();
        var header = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header, 7);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), 20);
        batch.Put(KvSpace.Data, KeyCodec.DataKey(B("old")), ValueRecord.Create(ValueType.Set, 0, 7, header));
        batch.Put(KvSpace.Names, KeyCodec.NameKey(B("old")), []);
        var hash = new byte[8];
        foreach (var member in Enumerable.Range(0, 20).Select(i => B($"m{i}")))
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(hash, KeyCodec.Hash(member));
            batch.Put(KvSpace.Members, [.. KeyCodec.MembersPrefix(B("old"), 7), .. hash, .. member], []);
        }
        var count = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(count, 1);
        batch.Put(KvSpace.Meta, KeyCodec.KeyCountKey, count);
        h.Engine.Write(batch, sync: false);
        h.Rebuild();
        var all = string.Join(",", Enumerable.Range(0, 20).Select(i => $"m{i}").Order(StringComparer.Ordinal));
        Assert.Equal(all, string.Join(",", h.Run(SetSyntax.SRandMember, "srandmember", "old", "-2000").Items!.Select(r => r.ToString()).Distinct().Order(StringComparer.Ordinal)));
        Assert.Equal(0, h.Run(SetSyntax.SRem, "srem", "old", "absent").Integer);
        Assert.Equal(1, h.Run(SetSyntax.SAdd, "sadd", "old", "m20").Integer);
        var more = string.Join(",", Enumerable.Range(0, 21).Select(i => $"m{i}").Order(StringComparer.Ordinal));
        Assert.Equal(more, string.Join(",", h.Run(SetSyntax.SRandMember, "srandmember", "old", "-2000").Items!.Select(r => r.ToString()).Distinct().Order(StringComparer.Ordinal)));
        var popped = Enumerable.Range(0, 21).Select(_ => h.Run(SetSyntax.SPop, "spop", "old").ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(more, string.Join(",", popped));
        Assert.Equal(0, h.Machine.KeyCount);
    }

    private sealed class IteratorCountingEngine(IKvEngine inner) : DelegatingEngine(inner)
    {
        public int Iterators { get; private set; }

        public override IKvIterator NewIterator(KvSpace space)
        {
            // Over members (every write may look at other spaces: the expiry index, sessions).
            Iterators += space is KvSpace.Members or KvSpace.Scores ? 1 : 0;
            return base.NewIterator(space);
        }
    }
}
