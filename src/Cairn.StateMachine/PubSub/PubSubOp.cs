namespace Cairn.StateMachine;

/// <summary>
/// Pub/sub's ops (<see cref="KvFamily.PubSub"/>; <see cref="KvOps.Of(PubSubOp)"/>). A message goes through the log so
/// that every node hands it to its own subscribers once, and all of them in one order; it changes no data.
/// </summary>
public enum PubSubOp : byte
{
    /// <summary>[channel, message] → 0 (the receivers are counted by the node that holds the publisher, not in Apply).</summary>
    Publish = 1,
}
