using Cairn.StateMachine;

namespace Cairn.Server.Connections;

public enum SubscriptionKind : byte
{
    Channel,
    Pattern,
    ShardChannel,
}

/// <summary>
/// This node's subscriptions — channel, pattern and shard channel to the clients subscribed, in the order they
/// subscribed — and the delivery of the messages the log hands out (<see cref="Replication.IKvService.MessagesPublished"/>)
/// to those clients' outboxes. Every node delivers every message of the log to its own clients once, in log
/// order, so all subscribers of a channel see its messages in one order. Delivery runs on the apply thread: it only
/// queues, and a client whose outbox goes over <c>client-output-buffer-limit pubsub</c> is closed, slowing nobody.
/// One lock guards the maps and the clients' subscription sets.
/// </summary>
public sealed class Subscriptions(Func<OutputBufferLimit> limit, Func<long> now)
{
    private readonly object _gate = new();
    private readonly Dictionary<byte[], List<ClientSession>> _channels = new(BytesComparer.Instance);
    private readonly Dictionary<byte[], List<ClientSession>> _shardChannels = new(BytesComparer.Instance);
    private readonly Dictionary<byte[], List<ClientSession>> _patterns = new(BytesComparer.Instance);

    /// <summary>Subscribes the client; false if it already was.</summary>
    public bool Add(ClientSession client, SubscriptionKind kind, byte[] name)
    {
        lock (_gate)
        {
            if (!Own(client, kind).TryAdd(name, true))
            {
                return false;
            }
            var map = Map(kind);
            if (!map.TryGetValue(name, out var clients))
            {
                map[name] = clients = [];
            }
            clients.Add(client);
            return true;
        }
    }

    /// <summary>Unsubscribes the client; false if it was not subscribed.</summary>
    public bool Remove(ClientSession client, SubscriptionKind kind, byte[] name)
    {
        lock (_gate)
        {
            if (!Own(client, kind).Remove(name))
            {
                return false;
            }
            var map = Map(kind);
            var clients = map[name];
            clients.Remove(client);
            if (clients.Count == 0)
            {
                map.Remove(name);
            }
            return true;
        }
    }

    /// <summary>What the client is subscribed to of one kind, in the order it subscribed.</summary>
    public List<byte[]> Of(ClientSession client, SubscriptionKind kind)
    {
        lock (_gate)
        {
            return [.. Own(client, kind).Keys];
        }
    }

    /// <summary>Unsubscribes the client from everything (it disconnected or sent RESET).</summary>
    public void RemoveAll(ClientSession client)
    {
        foreach (var kind in (SubscriptionKind[])[SubscriptionKind.Channel, SubscriptionKind.Pattern, SubscriptionKind.ShardChannel])
        {
            foreach (var name in Of(client, kind))
            {
                Remove(client, kind, name);
            }
        }
    }

    /// <summary>The clients here a message on <paramref name="channel"/> reaches, once per matching subscription: PUBLISH's reply.</summary>
    public int Receivers(byte[] channel, bool sharded)
    {
        lock (_gate)
        {
            if (sharded)
            {
                return _shardChannels.TryGetValue(channel, out var shard) ? shard.Count : 0;
            }
            var count = _channels.TryGetValue(channel, out var clients) ? clients.Count : 0;
            foreach (var (pattern, matching) in _patterns)
            {
                if (GlobPattern.IsMatch(pattern, channel))
                {
                    count += matching.Count;
                }
            }
            return count;
        }
    }

    /// <summary>Channels (or shard channels) with a subscriber here, matching <paramref name="pattern"/> if given: PUBSUB CHANNELS.</summary>
    public List<byte[]> Channels(byte[]? pattern, bool sharded)
    {
        lock (_gate)
        {
            return [.. (sharded ? _shardChannels : _channels).Keys.Where(c => pattern is null || GlobPattern.IsMatch(pattern, c))];
        }
    }

    /// <summary>Subscribers of one channel here, patterns not counted: PUBSUB NUMSUB.</summary>
    public int Subscribers(byte[] channel, bool sharded)
    {
        lock (_gate)
        {
            return (sharded ? _shardChannels : _channels).TryGetValue(channel, out var clients) ? clients.Count : 0;
        }
    }

    /// <summary>Distinct channels, patterns and shard channels subscribed to here (INFO, PUBSUB NUMPAT).</summary>
    public (int Channels, int Patterns, int ShardChannels) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_channels.Count, _patterns.Count, _shardChannels.Count);
            }
        }
    }

    /// <summary>Queues each message for every client subscribed to its channel or a matching pattern (the apply thread's handler).</summary>
    public void Deliver(IReadOnlyList<PubSubMessage> messages)
    {
        Dictionary<ClientSession, long>? reached = null;
        lock (_gate)
        {
            foreach (var m in messages)
            {
                if (m.Sharded)
                {
                    Enqueue(_shardChannels, m.Channel, new PushMessage(PushKind.ShardMessage, null, m.Channel, m.Message), ref reached);
                    continue;
                }
                Enqueue(_channels, m.Channel, new PushMessage(PushKind.Message, null, m.Channel, m.Message), ref reached);
                foreach (var (pattern, clients) in _patterns)
                {
                    if (GlobPattern.IsMatch(pattern, m.Channel))
                    {
                        var push = new PushMessage(PushKind.PatternMessage, pattern, m.Channel, m.Message);
                        foreach (var client in clients)
                        {
                            Reach(client, ref reached);
                            client.PubSub.Enqueue(push);
                        }
                    }
                }
            }
        }
        if (reached is not null)
        {
            CloseOverLimit(reached);
        }
    }

    private static void Enqueue(Dictionary<byte[], List<ClientSession>> map, byte[] channel, PushMessage push, ref Dictionary<ClientSession, long>? reached)
    {
        if (map.TryGetValue(channel, out var clients))
        {
            foreach (var client in clients)
            {
                Reach(client, ref reached);
                client.PubSub.Enqueue(push);
            }
        }
    }

    /// <summary>Notes what the client had waiting before this delivery: its backlog.</summary>
    private static void Reach(ClientSession client, ref Dictionary<ClientSession, long>? reached) =>
        (reached ??= []).TryAdd(client, client.PubSub.OutboxBytes);

    /// <summary>
    /// Closes the clients whose backlog — messages of earlier deliveries they have not taken yet — is over the pubsub
    /// class's limit (as Redis, asynchronously). This delivery's own messages are not counted: a batch of the log may
    /// hand out more at once than a client that reads at once is ever behind by. So a client holds at most the limit
    /// and one batch.
    /// </summary>
    private void CloseOverLimit(Dictionary<ClientSession, long> clients)
    {
        var pubsub = limit();
        if (!pubsub.IsSet)
        {
            return;
        }
        var time = now();
        foreach (var (client, backlog) in clients)
        {
            var since = client.PubSub.OverSoftSince;
            if (OutputBufferLimits.Exceeded(pubsub, backlog, time, ref since) && !client.OutputLimitReached)
            {
                client.OutputLimitClass = "pubsub";
                client.OutputLimitBytes = client.PubSub.OutboxBytes;
                client.OutputLimitReached = true;
                client.Kill?.Invoke();
            }
            client.PubSub.OverSoftSince = since;
        }
    }

    private static OrderedDictionary<byte[], bool> Own(ClientSession client, SubscriptionKind kind) => kind switch
    {
        SubscriptionKind.Channel => client.PubSub.Channels,
        SubscriptionKind.Pattern => client.PubSub.Patterns,
        _ => client.PubSub.ShardChannels,
    };

    private Dictionary<byte[], List<ClientSession>> Map(SubscriptionKind kind) => kind switch
    {
        SubscriptionKind.Channel => _channels,
        SubscriptionKind.Pattern => _patterns,
        _ => _shardChannels,
    };
}
