namespace Cairn.StateMachine;

/// <summary>
/// Pub/sub's ops (<see cref="KvFamily.PubSub"/>; <see cref="KvOps.Of(PubSubOp)"/>). A message goes through the log so
/// that every node hands it to its own subscribers once, and all of them in one order; it changes no data.
/// </summary>
public enum PubSubOp : byte
{
    /// <summary>
    /// [channel, message] → the entry's index: the node that holds the publisher waits until it has applied that index,
    /// then counts its receivers for the client's reply (never in Apply).
    /// </summary>
    Publish = 1,

    /// <summary>[shardchannel, message] → the entry's index: SPUBLISH, for the shard channels' subscribers (SSUBSCRIBE).</summary>
    ShardPublish = 2,
}
