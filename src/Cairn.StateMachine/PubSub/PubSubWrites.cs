using Cairn.StateMachine.Collections;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine.PubSub;

/// <summary>Pub/sub's writes: a published message is handed out once the batch holding it is durable (<see cref="KvStateMachine.MessagesPublished"/>).</summary>
internal static class PubSubWrites
{
    public static KvReply Apply(Context ctx, KvCommand c) => (PubSubOp)c.Op.Low() switch
    {
        PubSubOp.Publish => Publish(ctx, c, sharded: false),
        PubSubOp.ShardPublish => Publish(ctx, c, sharded: true),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a write"),
    };

    private static KvReply Publish(Context ctx, KvCommand c, bool sharded)
    {
        ctx.Publish(c.Args[0], c.Args[1], sharded);
        return KvReply.Int(ctx.Index);
    }

    /// <summary>Pub/sub has no queries.</summary>
    public static KvReply Answer(IReadView view, KvCommand c) => KvReply.Error($"ERR '{c.Op.Name()}' is not a query");
}
