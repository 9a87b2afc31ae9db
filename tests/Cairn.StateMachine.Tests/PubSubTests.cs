using Cairn.StateMachine.PubSub;
using Cairn.Storage;
using static Cairn.StateMachine.Tests.Harness;

namespace Cairn.StateMachine.Tests;

/// <summary>
/// PUBLISH (issue 21) is an entry that changes no data: its messages are handed out once the batch is durable, in
/// entry order, once each (a batch run again after a command's fault does not hand them out twice), and never when
/// the batch's write fails.
/// </summary>
public class PubSubTests
{
    [Theory]
    [MemberData(nameof(Engines), MemberType = typeof(Harness))]
    public void MessagesAreHandedOutAfterTheBatchInEntryOrder(string engine)
    {
        using var h = new Harness(engine);
        var handed = new List<PubSubMessage>();
        var appliedWhenHanded = new List<long>();
        h.Machine.MessagesPublished = messages =>
        {
            handed.AddRange(messages);
            appliedWhenHanded.Add(h.Machine.AppliedIndex);
        };
        var replies = h.WriteBatch(P(PubSubSyntax.Publish, "publish", "news", "one"), Set("k", "v"), P(PubSubSyntax.Publish, "publish", "news", "two"), P(PubSubSyntax.ShardPublish, "spublish", "other", ""));
        // Each publish answers its entry's index: the node holding the publisher counts receivers once it applied it.
        Assert.Equal([":1", "OK", ":3", ":4"], replies.Select(r => r.Kind == KvReplyKind.Integer ? $":{r.Integer}" : r.ToString()));
        Assert.Equal(["news:one:False", "news:two:False", "other::True"], handed.Select(m => $"{System.Text.Encoding.UTF8.GetString(m.Channel)}:{System.Text.Encoding.UTF8.GetString(m.Message)}:{m.Sharded}"));
        Assert.Equal([1L, 3L, 4L], handed.Select(m => m.Index));
        Assert.Equal([4L], appliedWhenHanded);
        Assert.Equal(1, h.Machine.KeyCount);
        h.WriteBatch(Set("k", "w"));
        Assert.Equal(3, handed.Count);
        Assert.Equal("ERR wrong number of arguments for 'publish' command", h.Write(new KvCommand(KvOps.Of(PubSubOp.Publish), [B("news")])).ToString());
        Assert.Equal(3, handed.Count);
    }

    [Fact]
    public void ABatchRunAgainAfterAFaultHandsEachMessageOutOnce()
    {
        var engine = new ThrowingEngine(new InMemoryKvEngine(), "boom", () => new InvalidOperationException("a bug"));
        var handed = new List<long>();
        var machine = new KvStateMachine(engine) { MessagesPublished = messages => handed.AddRange(messages.Select(m => m.Index)) };
        var entries = new[]
        {
            new KvEntry(1, 1000, P(PubSubSyntax.Publish, "publish", "c", "before")),
            new KvEntry(2, 1000, new KvCommand(KvOp.Append, [B("boom"), B("x")])),
            new KvEntry(3, 1000, P(PubSubSyntax.Publish, "publish", "c", "after")),
        };
        var replies = new KvReply[3];
        machine.Apply(entries, replies, sync: false);
        Assert.True(replies[1].IsError);
        Assert.Equal([1L, 3L], handed);
    }

    [Fact]
    public void NothingIsHandedOutWhenTheBatchIsNotWritten()
    {
        var engine = new FailingWriteEngine(new InMemoryKvEngine());
        var handed = 0;
        var machine = new KvStateMachine(engine) { MessagesPublished = messages => handed += messages.Count };
        engine.Failing = true;
        Assert.Throws<StorageException>(() => machine.Apply([new KvEntry(1, 1000, P(PubSubSyntax.Publish, "publish", "c", "m"))], new KvReply[1], sync: false));
        Assert.Equal(0, handed);
        Assert.Equal(0, machine.AppliedIndex);
    }

    private sealed class FailingWriteEngine(IKvEngine inner) : DelegatingEngine(inner)
    {
        public bool Failing { get; set; }

        public override void Write(IWriteBatch batch, bool sync)
        {
            if (Failing)
            {
                throw new StorageException("disk gone");
            }
            base.Write(batch, sync);
        }
    }
}
