namespace Cairn.StateMachine;

/// <summary>
/// A message an applied entry published, with the index of that entry (every node hands out the same ones, in index
/// order); <see cref="Sharded"/> for SPUBLISH's, which reach shard channels' subscribers only.
/// </summary>
public sealed record PubSubMessage(long Index, byte[] Channel, byte[] Message, bool Sharded = false);
