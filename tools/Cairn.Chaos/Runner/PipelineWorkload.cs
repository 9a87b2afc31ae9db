using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Cairn.Chaos.Checking;
using Cairn.Resp;

namespace Cairn.Chaos.Runner;

/// <summary>
/// A pipelining client: over one connection at a time (to any node, the next one after an error) it sends
/// <paramref name="depth"/> writes together, <c>SET pipe{client} n</c> with n counting up, and reads their replies.
/// Only this client writes its key, and Redis applies a connection's commands in order, so once the cluster is
/// healed the key must hold the highest n that was applied: never less than the highest n acknowledged (an earlier
/// write applied after a later one), never a value it did not send.
/// </summary>
public sealed class PipelineWorkload(int client, Func<int, int> portOf, int nodes, TimeSpan timeout, int depth = 8)
{
    private int _node = client % nodes;
    private long _sent;

    public string Key => $"pipe{client}";

    /// <summary>The highest n answered OK.</summary>
    public long HighestAcknowledged { get; private set; }

    public long Sent => _sent;

    public void Run(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var tcp = new TcpClient { NoDelay = true, ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds };
            try
            {
                if (!tcp.ConnectAsync("127.0.0.1", portOf(_node)).Wait(timeout))
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
                var stream = tcp.GetStream();
                var reader = new RespReplyReader(stream);
                while (!stop.IsCancellationRequested)
                {
                    var first = _sent + 1;
                    var pipeline = new StringBuilder();
                    for (var i = 0; i < depth; i++)
                    {
                        var value = (++_sent).ToString(CultureInfo.InvariantCulture);
                        pipeline.Append(CultureInfo.InvariantCulture, $"*3\r\n$3\r\nSET\r\n${Key.Length}\r\n{Key}\r\n${value.Length}\r\n{value}\r\n");
                    }
                    stream.Write(Encoding.ASCII.GetBytes(pipeline.ToString()));
                    for (var i = 0; i < depth; i++)
                    {
                        if (!reader.Read().IsError)
                        {
                            HighestAcknowledged = first + i;
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or AggregateException or RespProtocolException or ObjectDisposedException)
            {
                _node = (_node + 1) % nodes;
                Thread.Sleep(Workload.ReconnectPause);
            }
        }
    }

    /// <summary>What the healed cluster's final linearizable read of <see cref="Key"/> says of this client's order.</summary>
    public RunChecks.Finding? Check(string? final)
    {
        if (HighestAcknowledged == 0 && final is null)
        {
            return null;
        }
        if (!long.TryParse(final, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > _sent)
        {
            return new RunChecks.Finding("pipeline order", Key, $"holds {final ?? "nil"}, a value this client never sent (it sent 1..{_sent})");
        }
        return n < HighestAcknowledged
            ? new RunChecks.Finding("pipeline order", Key, $"holds {n}, but {HighestAcknowledged} was acknowledged later on the same connection: an earlier write was applied after it")
            : null;
    }
}
