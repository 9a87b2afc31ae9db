namespace Cairn.StateMachine.PubSub;

/// <summary>Pub/sub's syntax: arguments in, a <see cref="KvCommand"/> or Redis's error out.</summary>
public static class PubSubSyntax
{
    /// <summary>PUBLISH channel message.</summary>
    public static Parsed Publish(byte[][] argv) => new KvCommand(KvOps.Of(PubSubOp.Publish), argv[1..]);

    /// <summary>SPUBLISH shardchannel message.</summary>
    public static Parsed ShardPublish(byte[][] argv) => new KvCommand(KvOps.Of(PubSubOp.ShardPublish), argv[1..]);

    /// <summary>The operand rules of the pub/sub ops (see <see cref="PubSubOp"/>): Redis's error, or null.</summary>
    public static string? Check(KvCommand c) => (PubSubOp)c.Op.Low() switch
    {
        PubSubOp.Publish or PubSubOp.ShardPublish => c.Args.Length != 2 ? KvCommandRules.Arity(c) : null,
        _ => $"ERR unknown command op {(ushort)c.Op}",
    };
}
