using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Cairn.Chaos.Checking;
using Cairn.Resp;

namespace Cairn.Chaos.Runner;

/// <summary>
/// An INCR-heavy client on followers: it connects to a node that says it does not lead (so every INCR is forwarded)
/// and pipelines <paramref name="depth"/> <c>INCR count{client}</c> at a time, counting the increments acknowledged,
/// those whose outcome is unknown (a TIMEOUT reply, or sent when the connection broke) and those refused. Only this
/// client touches its key, so once the cluster is healed the key holds at least the acknowledged count and at most
/// that plus the unknown ones: more would be an increment applied twice (a forward run again after a retry).
/// </summary>
public sealed class CounterWorkload(int client, Func<int, int> portOf, int nodes, TimeSpan timeout, int depth = 4)
{
    private int _node = client % nodes;

    public string Key => $"count{client}";

    public long Acknowledged { get; private set; }

    public long Unknown { get; private set; }

    public long Refused { get; private set; }

    public void Run(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var tcp = new TcpClient { NoDelay = true, ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds };
            var unanswered = 0;
            try
            {
                if (!tcp.ConnectAsync("127.0.0.1", portOf(_node)).Wait(timeout))
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
                var stream = tcp.GetStream();
                var reader = new RespReplyReader(stream);
                stream.Write("*2\r\n$9\r\nRAFT.INFO\r\n$4\r\nraft\r\n"u8);
                if (reader.Read().AsText().Contains("role:leader", StringComparison.Ordinal))
                {
                    // Forwarding is what this client is for: find a follower.
                    _node = (_node + 1) % nodes;
                    continue;
                }
                var command = Encoding.ASCII.GetBytes($"*2\r\n$4\r\nINCR\r\n${Key.Length}\r\n{Key}\r\n");
                var pipeline = Enumerable.Repeat(command, depth).SelectMany(b => b).ToArray();
                while (!stop.IsCancellationRequested)
                {
                    stream.Write(pipeline);
                    unanswered = depth;
                    for (var i = 0; i < depth; i++)
                    {
                        var reply = reader.Read();
                        unanswered--;
                        if (!reply.IsError)
                        {
                            Acknowledged++;
                        }
                        else if (reply.Text!.StartsWith("TIMEOUT", StringComparison.Ordinal))
                        {
                            Unknown++;
                        }
                        else
                        {
                            Refused++;
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or AggregateException or RespProtocolException or ObjectDisposedException)
            {
                // Sent, not answered: each may or may not have been applied.
                Unknown += unanswered;
                _node = (_node + 1) % nodes;
                Thread.Sleep(Workload.ReconnectPause);
            }
        }
    }

    /// <summary>What the healed cluster's final linearizable read of <see cref="Key"/> says of at-most-once.</summary>
    public RunChecks.Finding? Check(string? final)
    {
        long count = 0;
        if (final is not null && !long.TryParse(final, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count))
        {
            return new RunChecks.Finding("counter", Key, $"holds {final}, not a count");
        }
        if (count < Acknowledged)
        {
            return new RunChecks.Finding("counter", Key, $"holds {count}, but {Acknowledged} increments were acknowledged: acknowledged writes lost");
        }
        return count > Acknowledged + Unknown
            ? new RunChecks.Finding("counter", Key, $"holds {count}, more than the {Acknowledged} acknowledged + {Unknown} unknown increments: an increment was applied twice")
            : null;
    }
}
