using System.Diagnostics;
using Cairn.Server.Tests;

// Pub/sub and blocking-pop latency between two ports (the same server, or two nodes of a cluster): prints
// "publish_rps e2e_p50_ms e2e_p99_ms pipelined_msgs_per_s blpop_p50_ms blpop_p99_ms" on one line.
//   Cairn.PubSub.Bench <publish-port> <receive-port> [messages=2000]
// e2e: one PUBLISH at a time on the first port, until its subscriber on the second port has it (send to receipt).
// pipelined: PUBLISHes 16 at a time, until the subscriber has them all. blpop: a BLPOP blocked on the second port,
// an RPUSH on the first: from sending the push to the BLPOP's reply.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Cairn.PubSub.Bench <publish-port> <receive-port> [messages]");
    return 2;
}
var (pubPort, subPort) = (int.Parse(args[0]), int.Parse(args[1]));
var count = args.Length > 2 ? int.Parse(args[2]) : 2000;
var channel = $"bench:{Environment.ProcessId}";

using var subscriber = new RawClient(subPort);
if (!subscriber.Call("SUBSCRIBE", channel).StartsWith("*[$subscribe", StringComparison.Ordinal))
{
    throw new InvalidOperationException("SUBSCRIBE failed");
}
var received = 0L;
var latencies = new List<double>();
var reader = new Thread(() =>
{
    try
    {
        while (true)
        {
            var frame = subscriber.ReadReply();
            var payload = frame[(frame.LastIndexOf(", $", StringComparison.Ordinal) + 3)..^1];
            if (long.TryParse(payload, out var sent))
            {
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
            }
            Interlocked.Increment(ref received);
        }
    }
    catch (Exception)
    {
        // closed at the end
    }
}) { IsBackground = true };
reader.Start();

void AwaitReceived(long target)
{
    var deadline = Stopwatch.StartNew();
    while (Interlocked.Read(ref received) < target)
    {
        if (deadline.Elapsed > TimeSpan.FromSeconds(60))
        {
            throw new TimeoutException($"the subscriber has {received} of {target} messages");
        }
        Thread.SpinWait(50);
    }
}

using var publisher = new RawClient(pubPort);
// Warm up, then one at a time.
for (var i = 0; i < 200; i++)
{
    publisher.Call("PUBLISH", channel, "warm");
}
AwaitReceived(200);
lock (latencies)
{
    latencies.Clear();
}
var clock = Stopwatch.StartNew();
for (var i = 0; i < count; i++)
{
    publisher.Call("PUBLISH", channel, Stopwatch.GetTimestamp().ToString());
    AwaitReceived(201 + i);
}
var publishRps = count / clock.Elapsed.TotalSeconds;
double[] e2e;
lock (latencies)
{
    e2e = [.. latencies.Order()];
}

var before = Interlocked.Read(ref received);
clock.Restart();
var frame16 = string.Concat(Enumerable.Repeat(RawClient.Encode("PUBLISH", channel, "pipelined"), 16));
for (var i = 0; i < count; i += 16)
{
    publisher.Send(frame16);
    for (var j = 0; j < 16; j++)
    {
        publisher.ReadReply();
    }
}
AwaitReceived(before + (count + 15) / 16 * 16);
var pipelined = (count + 15) / 16 * 16 / clock.Elapsed.TotalSeconds;

using var waiter = new RawClient(subPort);
using var admin = new RawClient(subPort);
var wakes = new List<double>();
var key = $"bench:q:{Environment.ProcessId}";
for (var i = 0; i < Math.Max(20, count / 10); i++)
{
    var reply = new TaskCompletionSource<long>();
    var blocked = new Thread(() =>
    {
        waiter.Call("BLPOP", key, "0");
        reply.SetResult(Stopwatch.GetTimestamp());
    });
    blocked.Start();
    while (!admin.Call("INFO", "CLIENTS").Contains("blocked_clients:1", StringComparison.Ordinal))
    {
        Thread.Sleep(1);
    }
    var pushed = Stopwatch.GetTimestamp();
    publisher.Call("RPUSH", key, "x");
    var woke = reply.Task.GetAwaiter().GetResult();
    wakes.Add(Stopwatch.GetElapsedTime(pushed, woke).TotalMilliseconds);
    blocked.Join();
}
wakes.Sort();

static double Percentile(IReadOnlyList<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
Console.WriteLine(FormattableString.Invariant(
    $"{publishRps:F0} {Percentile(e2e, 0.5):F3} {Percentile(e2e, 0.99):F3} {pipelined:F0} {Percentile(wakes, 0.5):F3} {Percentile(wakes, 0.99):F3}"));
return 0;
