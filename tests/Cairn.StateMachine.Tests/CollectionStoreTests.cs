using System.Buffers.Binary;
using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// The collection layout under the data types (issue 20): a header record per key, members under (key, version) in
/// their own space. Removing or replacing a collection range-deletes its version's members in the same batch, and
/// leaves every other key's alone. Collections are put into the engine directly here, as the families' writes will.
/// </summary>
public class CollectionStoreTests
{
    private static void PutHash(IWriteBatch batch, string key, long version, params string[] fields)
    {
        batch.Put(KvSpace.Data, KeyCodec.DataKey(B(key)), ValueRecord.CreateCollection(ValueType.Hash, 0, version, version, fields.Length));
        batch.Put(KvSpace.Names, KeyCodec.NameKey(B(key)), []);
        foreach (var field in fields)
        {
            batch.Put(KvSpace.Members, [.. KeyCodec.MembersPrefix(B(key), version), .. B(field)], B("v-" + field));
        }
    }

    private static Harness WithTwoHashes(string engine)
    {
        var h = new Harness(engine);
        var batch = h.Engine.NewBatch();
        PutHash(batch, "h", 1000, "a", "b", "c");
        PutHash(batch, "other", 1001, "x");
        var count = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(count, 2);
        batch.Put(KvSpace.Meta, KeyCodec.KeyCountKey, count);
        h.Engine.Write(batch, sync: false);
        h.Rebuild();
        return h;
    }

    private static List<string> Members(Harness h)
    {
        var found = new List<string>();
        using var iterator = h.Engine.NewIterator(KvSpace.Members);
        for (iterator.SeekToFirst(); iterator.Valid; iterator.Next())
        {
            found.Add(System.Text.Encoding.UTF8.GetString(iterator.Value));
        }
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void DeletingOrReplacingACollectionDropsItsMembersAndNoOthers(string engine)
    {
        using (var h = WithTwoHashes(engine))
        {
            Assert.Equal("hash", h.Read(new KvCommand(KvOp.Type, [B("h")])).ToString());
            Assert.Equal(1, h.Write(new KvCommand(KvOp.Del, [B("h")])).Integer);
            Assert.Equal(["v-x"], Members(h));
            Assert.Equal(1, h.Machine.KeyCount);
        }
        using (var h = WithTwoHashes(engine))
        {
            Assert.Equal(KvReplyKind.Ok, h.Write(Set("h", "now a string")).Kind);
            Assert.Equal(["v-x"], Members(h));
            Assert.Equal("now a string", h.Get("h"));
        }
        using (var h = WithTwoHashes(engine))
        {
            // Expired and removed by the leader's active expiry.
            Assert.Equal(1, h.Write(new KvCommand(KvOp.Expire, [B("h")], h.Now + 10, flags: KvFlags.ExpireAbsolute)).Integer);
            var expireAt = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(expireAt, h.Now + 10);
            h.Now += 20;
            Assert.Equal(1, h.Write(new KvCommand(KvOp.ExpireKeys, [B("h"), expireAt])).Integer);
            Assert.Equal(["v-x"], Members(h));
        }
        using (var h = WithTwoHashes(engine))
        {
            // Renamed over another collection: its members move, the replaced one's go.
            Assert.Equal(KvReplyKind.Ok, h.Write(new KvCommand(KvOp.Rename, [B("h"), B("other")])).Kind);
            Assert.Equal(["v-a", "v-b", "v-c"], Members(h));
            using var iterator = h.Engine.NewIterator(KvSpace.Members);
            iterator.Seek(KeyCodec.MembersPrefix(B("other"), 1000));
            Assert.True(iterator.Valid && iterator.Key.StartsWith(KeyCodec.MembersPrefix(B("other"), 1000)));
            Assert.Equal("hash", h.Read(new KvCommand(KvOp.Type, [B("other")])).ToString());
            Assert.Equal(1, h.Machine.KeyCount);
        }
        using (var h = WithTwoHashes(engine))
        {
            Assert.Equal(KvReplyKind.Ok, h.Write(new KvCommand(KvOp.FlushAll, [])).Kind);
            Assert.Empty(Members(h));
        }
    }

    /// <summary>Two keys one entry made share a version: renaming one over the other keeps exactly the moved members.</summary>
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void RenamingOverACollectionOfTheSameVersionKeepsOnlyTheMovedMembers(string engine)
    {
        using var h = new Harness(engine);
        var batch = h.Engine.NewBatch();
        PutHash(batch, "h", 1000, "a");
        PutHash(batch, "other", 1000, "x", "y");
        h.Engine.Write(batch, sync: false);
        h.Rebuild();
        Assert.Equal(KvReplyKind.Ok, h.Write(new KvCommand(KvOp.Rename, [B("h"), B("other")])).Kind);
        Assert.Equal(["v-a"], Members(h));
    }

    [Fact]
    public void TheDigestCoversMembers()
    {
        using var one = WithTwoHashes("memory");
        using var other = WithTwoHashes("rocksdb");
        Assert.Equal(one.Machine.Digest(), other.Machine.Digest());
        var batch = other.Engine.NewBatch();
        batch.Put(KvSpace.Members, [.. KeyCodec.MembersPrefix(B("h"), 1000), .. B("a")], B("changed"));
        other.Engine.Write(batch, sync: false);
        Assert.NotEqual(one.Machine.Digest(), other.Machine.Digest());
    }

    [Fact]
    public void AKeysMembersNeverShareAPrefixWithAnotherKeysOrVersions()
    {
        var a = KeyCodec.MembersPrefix(B("a"), 5);
        var ab = KeyCodec.MembersPrefix(B("ab"), 5);
        var later = KeyCodec.MembersPrefix(B("a"), 6);
        Assert.False(ab.AsSpan().StartsWith(a));
        Assert.False(later.AsSpan().StartsWith(a));
        var end = KeyCodec.PrefixEnd(a);
        Assert.True(((ReadOnlySpan<byte>)[.. a, 0xff, 0xff]).SequenceCompareTo(end) < 0);
        Assert.True(later.AsSpan().SequenceCompareTo(end) >= 0);
        Assert.Equal([1, 0], KeyCodec.PrefixEnd([0, 0xff]));
    }

    [Fact]
    public void TheKeyIndexNeverHoldsACollectionSoItsHeaderIsReadWhenItIsReplaced()
    {
        var index = new KeyIndex(1 << 20);
        var dataKey = KeyCodec.DataKey(B("h"));
        index.Set(dataKey, ValueRecord.Create(ValueType.String, 0, 1, B("v")));
        Assert.True(index.TryGet(dataKey, out var stored, out _) && stored);
        index.Set(dataKey, ValueRecord.CreateCollection(ValueType.Hash, 0, 2, 2, 1));
        Assert.False(index.TryGet(dataKey, out _, out _));
        var list = ValueRecord.CreateCollection(ValueType.List, 0, 3, 3, 2, head: -1, tail: 1);
        Assert.Equal((3L, 2L), (ValueRecord.Version(list), ValueRecord.Size(list)));
    }
}
