using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>Apply and Query are total: no operand, however malformed or extreme, makes them throw.</summary>
public class TotalApplyTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void SetRangeWithAHugeOffsetIsRefusedAndWritesGoOn(string engine)
    {
        using var h = new Harness(engine);
        h.Write(Set("k", "v"));
        // Redis's test suite: "SETRANGE with huge offset". offset + length wraps past long.MaxValue.
        Assert.Equal(KvErrors.TooBig, h.Write(SetRange("k", long.MaxValue, "x")).Text);
        Assert.Equal(KvErrors.TooBig, h.Write(SetRange("k", KvStateMachine.MaxStringLength, "x")).Text);
        Assert.Equal(KvErrors.TooBig, h.Write(SetRange("new", long.MaxValue - 1, "xy")).Text);
        Assert.Equal(KvErrors.OffsetOutOfRange, h.Write(SetRange("k", -1, "x")).Text);
        Assert.Equal(KvErrors.OffsetOutOfRange, h.Write(SetRange("k", long.MinValue, "x")).Text);
        // Nothing to write: the length, whatever the offset (as Redis).
        Assert.Equal(1, h.Write(SetRange("k", long.MaxValue, "")).Integer);
        Assert.Equal(KvReplyKind.Ok, h.Write(Set("a", "b")).Kind);
        Assert.Equal("v", h.Get("k"));
        Assert.Null(h.Get("new"));
        Assert.Equal(3, h.Write(SetRange("k", 2, "z")).Integer);
    }

    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void CommandsThatBreakTheirOpsRulesGetErrorsAndTheBatchGoesOn(string engine)
    {
        using var h = new Harness(engine);
        var malformed = new KvCommand[]
        {
            new(KvOp.Set, []),
            new(KvOp.Set, [B("k")]),
            new(KvOp.Append, [B("k")]),
            new(KvOp.MSet, [B("k")]),
            new(KvOp.MSet, [B("a"), B("1"), B("b")]),
            new(KvOp.Rename, [B("k")]),
            new(KvOp.Del, []),
            new(KvOp.ExpireKeys, [B("k"), B("short")]),
            new(KvOp.ExpireKeys, [B("k")]),
            new(KvOp.IncrByFloat, [B("k")], @float: double.NaN),
            new(KvOp.Expire, [B("k")], 10),
            new(KvOp.Set, [B("k"), B("v")], 0, flags: KvFlags.ExpireRelative),
            new(KvOp.Set, [B("k"), B("v")], 5, flags: KvFlags.ExpireRelative | KvFlags.ExpireAbsolute),
            new(KvOp.Set, [B("k"), B("v")], flags: KvFlags.Nx | KvFlags.Xx),
            new(KvOp.GetEx, [B("k")], -5, flags: KvFlags.ExpireAbsolute),
            new(KvOp.FlushAll, [B("k")]),
            new((KvOp)200, [B("k")]),
            new(KvOp.Get, [B("k")]),
        };
        var batch = malformed.Prepend(Set("before", "1")).Append(Set("after", "2")).ToArray();
        var replies = h.WriteBatch(batch);
        Assert.Equal(KvReplyKind.Ok, replies[0].Kind);
        Assert.Equal(KvReplyKind.Ok, replies[^1].Kind);
        for (var i = 1; i < replies.Length - 1; i++)
        {
            Assert.True(replies[i].IsError, $"{batch[i].Op} with {batch[i].Args.Length} arguments: {replies[i]}");
        }
        Assert.StartsWith("ERR wrong number of arguments for 'set'", replies[1].Text);
        Assert.Equal(KvErrors.NotFloat, replies[10].Text);
        Assert.Equal(KvErrors.InvalidExpire("set"), replies[12].Text);
        Assert.Equal(KvErrors.Syntax, replies[13].Text);
        Assert.Equal("1", h.Get("before"));
        Assert.Equal("2", h.Get("after"));
        Assert.Null(h.Get("k"));
        Assert.Equal(2, h.Machine.KeyCount);
        Assert.True(h.Read(new KvCommand(KvOp.Get, [])).IsError);
        Assert.True(h.Read(new KvCommand(KvOp.Scan, [B(""), B("")], 0, 0)).IsError);
        Assert.True(h.Read(new KvCommand(KvOp.Set, [B("k"), B("v")])).IsError);
    }

    [Fact]
    public void AnEntryWhoseLogicThrowsIsAnsweredWithAnErrorAndLeavesNoTrace()
    {
        using var inner = new InMemoryKvEngine();
        var engine = new ThrowingEngine(inner, "boom", () => new InvalidOperationException("a bug"));
        var faults = new List<long>();
        var machine = new KvStateMachine(engine) { CommandFaulted = (index, _) => faults.Add(index) };
        var entries = new[]
        {
            new KvEntry(1, 1000, Set("a", "1")),
            new KvEntry(2, 1000, new KvCommand(KvOp.Append, [B("boom"), B("x")])),
            new KvEntry(3, 1000, Set("b", "2")),
        };
        var replies = new KvReply[entries.Length];
        machine.Apply(entries, replies, sync: false);
        Assert.Equal("OK", replies[0].ToString());
        Assert.StartsWith("ERR internal error applying the command (entry 2)", replies[1].Text);
        Assert.Equal("OK", replies[2].ToString());
        Assert.Equal([2L], faults);
        Assert.Equal(3, machine.AppliedIndex);
        Assert.Equal(2, machine.KeyCount);
        Assert.Equal("1", machine.Query(new KvCommand(KvOp.Get, [B("a")]), 1000).ToString());
        Assert.Equal("2", machine.Query(new KvCommand(KvOp.Get, [B("b")]), 1000).ToString());
        Assert.Equal("ERR internal error reading (InvalidOperationException)", machine.Query(new KvCommand(KvOp.Get, [B("boom")]), 1000).Text);
    }

    [Fact]
    public void AStorageFailureStopsTheBatchWithNothingApplied()
    {
        using var inner = new InMemoryKvEngine();
        var engine = new ThrowingEngine(inner, "bad", () => new StorageException("disk gone"));
        var machine = new KvStateMachine(engine);
        var entries = new[] { new KvEntry(1, 1000, Set("a", "1")), new KvEntry(2, 1000, new KvCommand(KvOp.Append, [B("bad"), B("x")])) };
        Assert.Throws<StorageException>(() => machine.Apply(entries, new KvReply[2], sync: false));
        Assert.Equal(0, machine.AppliedIndex);
        Assert.Equal(0, machine.KeyCount);
        Assert.Equal(KvReplyKind.Null, machine.Query(new KvCommand(KvOp.Get, [B("a")]), 1000).Kind);
        Assert.StartsWith("ERR the store could not be read", machine.Query(new KvCommand(KvOp.Get, [B("bad")]), 1000).Text);
    }

    /// <summary>
    /// Reads see one state: MSET writes 32 keys to one value, batch after batch, while another thread MGETs and EXISTS
    /// them; every MGET sees one value for all (never part of an MSET), with the record cache on and off.
    /// </summary>
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public async Task AnMGetNeverSeesHalfOfAnMSet(string engine)
    {
        using var h = new Harness(engine);
        var keys = Enumerable.Range(0, 32).Select(i => B($"k{i}")).ToArray();
        h.Write(new KvCommand(KvOp.MSet, [.. keys.SelectMany(k => new[] { k, B("0") })]));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (var i = 1; !stop.IsCancellationRequested && i < 20_000; i++)
            {
                var value = B(i.ToString());
                h.Write(new KvCommand(KvOp.MSet, [.. keys.SelectMany(k => new[] { k, value })]));
            }
        });
        var reads = 0;
        var distinct = new HashSet<string>();
        var torn = new List<string>();
        try
        {
            while (!writer.IsCompleted && distinct.Count < 200)
            {
                var reply = h.Read(new KvCommand(KvOp.MGet, keys));
                var values = reply.Items!.Select(r => r.ToString()).Distinct().ToList();
                if (values.Count != 1)
                {
                    torn.Add(string.Join(", ", values));
                }
                distinct.Add(values[0]);
                Assert.Equal(keys.Length, h.Read(new KvCommand(KvOp.Exists, keys)).Integer);
                reads++;
            }
        }
        finally
        {
            // The engine is disposed after this; the writer must be done with it.
            stop.Cancel();
            await writer;
        }
        Assert.True(torn.Count == 0, $"{torn.Count} of {reads} MGETs saw several values, e.g. {torn.FirstOrDefault()}");
        Assert.True(distinct.Count > 1, "the reads never overlapped a write");
    }

    [Fact]
    public void AGetFromTheCacheAloneAnswersAsQueryOrDeclines()
    {
        using var h = new Harness("rocksdb+cache");
        h.Write(Set("k", "v"));
        h.Write(Set("t", "v", KvFlags.ExpireAbsolute, h.Now + 1000));
        var get = new KvCommand(KvOp.Get, [B("k")]);
        Assert.False(h.Machine.TryQueryFromCache(get, h.Now, out _));
        Assert.Equal("v", h.Get("k"));
        Assert.Equal("v", h.Get("t"));
        Assert.True(h.Machine.TryQueryFromCache(get, h.Now, out var cached));
        Assert.Equal("v", cached.ToString());
        Assert.True(h.Machine.TryQueryFromCache(new KvCommand(KvOp.Get, [B("t")]), h.Now + 1000, out var expired));
        Assert.Equal(KvReplyKind.Null, expired.Kind);
        Assert.False(h.Machine.TryQueryFromCache(new KvCommand(KvOp.Get, [B("absent")]), h.Now, out _));
        Assert.False(h.Machine.TryQueryFromCache(new KvCommand(KvOp.StrLen, [B("k")]), h.Now, out _));
        Assert.False(h.Machine.TryQueryFromCache(new KvCommand(KvOp.Get, []), h.Now, out _));
    }

    private static KvCommand SetRange(string key, long offset, string value) => new(KvOp.SetRange, [B(key), B(value)], offset);
}
