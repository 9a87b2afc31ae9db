using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Cairn.Cluster.Tests;

/// <summary>
/// Pub/sub on a real 3-node cluster through a kill -9 of the leader: subscribers on every node, publishers on every
/// node. Every message whose PUBLISH was acknowledged reaches every subscriber of every surviving node exactly once;
/// all of them see the same messages in the same order (the log's); a subscriber of the killed node saw a prefix of
/// that order; each PUBLISH's reply counts the receivers on the publisher's node.
/// </summary>
public sealed class PubSubClusterTests
{
    private const string Channel = "events";

    [Fact]
    public async Task AcknowledgedMessagesReachEverySurvivingSubscriberOnceInOneOrderThroughALeaderKill()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var nodes = cluster.Nodes;
        // One channel subscriber per node, and a pattern subscriber on node 1 (so node 1's PUBLISH counts two).
        var subscribers = nodes.Select(n => new Subscriber(n, "SUBSCRIBE", Channel)).ToList();
        var pattern = new Subscriber(nodes[0], "PSUBSCRIBE", "ev*");
        var everyone = subscribers.Append(pattern).ToList();
        var acknowledged = new ConcurrentBag<string>();
        var wrongCounts = new ConcurrentQueue<string>();
        var killAfter = new TaskCompletionSource();
        var published = 0;

        async Task PublishAsync(int p)
        {
            using var client = new RawClient(nodes[p].Port);
            var local = p == 0 ? 2 : 1;
            for (var seq = 0; seq < 150; seq++)
            {
                var message = $"{p}-{seq}";
                string reply;
                try
                {
                    reply = await Task.Run(() => client.Call("PUBLISH", Channel, message));
                }
                catch (Exception ex) when (ex is IOException or EndOfStreamException)
                {
                    return; // this publisher's node was killed
                }
                if (reply.StartsWith(':'))
                {
                    acknowledged.Add(message);
                    if (reply != $":{local}")
                    {
                        wrongCounts.Enqueue($"{message}: {reply}, {local} subscribed on node {p + 1}");
                    }
                }
                if (Interlocked.Increment(ref published) == 150)
                {
                    killAfter.TrySetResult();
                }
            }
        }

        var publishers = Enumerable.Range(0, 3).Select(PublishAsync).ToList();
        await killAfter.Task;
        leader.Kill();
        await Task.WhenAll(publishers);
        await cluster.WaitForLeaderAsync();

        var survivors = everyone.Where(s => s.Node != leader).ToList();
        await Poll.UntilAsync(() => Task.FromResult(survivors.All(s => s.Seen is var seen && acknowledged.All(seen.Contains))), TimeSpan.FromSeconds(30),
            "every acknowledged message at every surviving subscriber");
        await Poll.UntilAsync(() => Task.FromResult(survivors.Select(s => s.Count).Distinct().Count() == 1), TimeSpan.FromSeconds(10),
            "the surviving subscribers to agree on the number of messages");
        foreach (var s in everyone)
        {
            s.Stop();
        }

        Assert.True(acknowledged.Count >= 300, $"only {acknowledged.Count} publishes were acknowledged");
        Assert.Empty(wrongCounts);
        var order = survivors[0].Messages;
        foreach (var s in survivors)
        {
            Assert.Equal(order.Count, order.Distinct().Count()); // nothing twice
            Assert.Equal(order, s.Messages);
        }
        foreach (var s in everyone.Where(s => s.Node == leader))
        {
            Assert.Equal(order.Take(s.Messages.Count), s.Messages);
        }
        // Each publisher waited for a reply before the next message: its messages are in its order.
        foreach (var p in Enumerable.Range(0, 3))
        {
            var seqs = order.Where(m => m.StartsWith($"{p}-")).Select(m => int.Parse(m[2..])).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }
    }

    [Fact]
    public async Task ExpiredEventsComeFromTheReplicatedExpiryOnceOnEveryNode()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        await cluster.WaitForLeaderAsync();
        var subscribers = new List<Subscriber>();
        foreach (var node in cluster.Nodes)
        {
            using var admin = new RawClient(node.Port);
            // A node's own setting, as each Redis server's.
            Assert.Equal("+OK", admin.Call("CONFIG", "SET", "notify-keyspace-events", "Ex"));
            subscribers.Add(new Subscriber(node, "SUBSCRIBE", "__keyevent@0__:expired"));
        }
        using var writer = new RawClient(cluster.Nodes[1].Port);
        var keys = Enumerable.Range(0, 20).Select(i => $"exp:{i}").ToList();
        foreach (var key in keys)
        {
            Assert.Equal("+OK", writer.Call("SET", key, "v", "PX", "300"));
        }
        // None of them before it expires.
        Assert.All(subscribers, s => Assert.Equal(0, s.Count));
        await Poll.UntilAsync(() => Task.FromResult(subscribers.All(s => s.Count >= keys.Count)), TimeSpan.FromSeconds(20), "every key's expired event on every node");
        Assert.Equal(":0", writer.Call("EXISTS", keys[0]));
        // A marker through the log: whatever the log held before it (a repeated expiry too) has reached every node.
        Assert.Equal(":1", writer.Call("PUBLISH", "__keyevent@0__:expired", "marker"));
        await Poll.UntilAsync(() => Task.FromResult(subscribers.All(s => s.Messages.Contains("marker"))), TimeSpan.FromSeconds(20), "the marker everywhere");
        foreach (var s in subscribers)
        {
            s.Stop();
            Assert.Equal([.. keys.Order(StringComparer.Ordinal), "marker"], s.Messages[..^1].Order(StringComparer.Ordinal).Append(s.Messages[^1]));
        }
        Assert.Equal(subscribers[0].Messages, subscribers[1].Messages);
        Assert.Equal(subscribers[0].Messages, subscribers[2].Messages);
    }

    /// <summary>A raw RESP2 subscriber reading messages on its own thread until stopped or disconnected.</summary>
    private sealed class Subscriber
    {
        private readonly RawClient _client;
        private readonly List<string> _messages = [];
        private readonly Thread _reader;
        private volatile bool _stopped;

        public Subscriber(LocalCluster.Node node, string verb, string name)
        {
            Node = node;
            _client = new RawClient(node.Port);
            var confirmation = _client.Call(verb, name);
            Assert.Equal($"*[${verb.ToLowerInvariant()}, ${name}, :1]", confirmation);
            _reader = new Thread(Read) { IsBackground = true };
            _reader.Start();
        }

        public LocalCluster.Node Node { get; }

        public HashSet<string> Seen
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public int Count
        {
            get
            {
                lock (_messages)
                {
                    return _messages.Count;
                }
            }
        }

        public List<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public void Stop()
        {
            _stopped = true;
            _client.Dispose();
            _reader.Join();
        }

        private void Read()
        {
            while (!_stopped)
            {
                string frame;
                try
                {
                    frame = _client.ReadReply();
                }
                catch (IOException ex) when (!_stopped && ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
                {
                    continue; // the read timed out while no message came
                }
                catch (Exception)
                {
                    return; // disconnected (its node was killed) or stopped
                }
                // *[$message, $events, $0-1] or *[$pmessage, $ev*, $events, $0-1]
                var payload = frame[(frame.LastIndexOf(", $", StringComparison.Ordinal) + 3)..^1];
                lock (_messages)
                {
                    _messages.Add(payload);
                }
            }
        }
    }
}
