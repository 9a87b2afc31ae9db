using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Cairn.Chaos.Checking;
using Cairn.Resp;

namespace Cairn.Chaos.Runner;

/// <summary>
/// One client: a blocking RESP connection to one node at a time, issuing random operations on a small key set
/// and recording each with its call and return times. A server error is a failure (the operation did not
/// happen) unless it says the outcome is unknown; a timeout or a lost connection is unknown, and the client
/// then reconnects — to the next node. Keys live for <paramref name="keyLifetime"/>: then every client moves to a
/// fresh set (r0.e1, ...), as Jepsen's independent keys do, so each key's history stays short enough to check
/// however long the run.
/// </summary>
public sealed class Workload(int client, Func<int, int> portOf, int nodes, int keys, bool staleReads, Stopwatch clock, Random random, TimeSpan timeout, TimeSpan keyLifetime)
{
    private readonly List<Operation> _history = [];
    private TcpClient? _tcp;
    private RespReplyReader? _reader;
    private int _node = ((client % nodes) + nodes) % nodes;
    private int _sequence;

    public static Func<int> NextId { get; set; } = () => 0;

    public IReadOnlyList<Operation> History => _history;

    /// <summary>The pause after no node accepted a connection.</summary>
    public static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(100);

    public void Run(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var op = Next();
            _history.Add(Execute(op));
        }
        _tcp?.Dispose();
    }

    private (OpKind Kind, string Key, string? Input) Next()
    {
        var roll = random.Next(100);
        var epoch = (long)(clock.Elapsed / keyLifetime);
        if (roll < 15)
        {
            return (OpKind.Increment, $"c{random.Next(2)}.e{epoch}", "1");
        }
        var key = $"r{random.Next(keys)}.e{epoch}";
        var value = $"{client}.{++_sequence}";
        return roll switch
        {
            < 55 => (OpKind.Read, key, null),
            < 75 => (OpKind.Write, key, value),
            < 85 => (OpKind.GetSet, key, value),
            < 95 => (OpKind.SetIfAbsent, key, value),
            _ => (OpKind.Delete, key, null),
        };
    }

    /// <summary>Runs one operation, recording it with its outcome.</summary>
    public Operation Execute((OpKind Kind, string Key, string? Input) op)
    {
        string[] command = op.Kind switch
        {
            OpKind.Read => ["GET", op.Key],
            OpKind.Write => ["SET", op.Key, op.Input!],
            OpKind.GetSet => ["SET", op.Key, op.Input!, "GET"],
            OpKind.SetIfAbsent => ["SET", op.Key, op.Input!, "NX"],
            OpKind.Delete => ["DEL", op.Key],
            _ => ["INCRBY", op.Key, op.Input!],
        };
        var call = clock.Elapsed.Ticks * 100;
        Outcome outcome;
        string? output = null;
        if (_tcp is null)
        {
            try
            {
                Connect();
            }
            catch (IOException)
            {
                // Never sent: it did not happen. Like a real client, wait a little before trying again, rather
                // than spin while every node is down.
                var failed = new Operation(NextId(), client, op.Key, op.Kind, op.Input, null, call, clock.Elapsed.Ticks * 100, Outcome.Fail);
                Thread.Sleep(ReconnectPause);
                return failed;
            }
        }
        try
        {
            var reply = Send(command);
            if (reply.IsError)
            {
                outcome = reply.Text!.StartsWith("TIMEOUT", StringComparison.Ordinal) || reply.Text.Contains("may or may not", StringComparison.Ordinal)
                    ? Outcome.Unknown
                    : Outcome.Fail;
            }
            else
            {
                outcome = Outcome.Ok;
                output = reply.Kind switch
                {
                    RespKind.Null => null,
                    RespKind.Integer => reply.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => reply.AsText(),
                };
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or RespProtocolException or ObjectDisposedException)
        {
            outcome = op.Kind == OpKind.Read ? Outcome.Fail : Outcome.Unknown;
            Disconnect();
        }
        var ret = clock.Elapsed.Ticks * 100;
        return new Operation(NextId(), client, op.Key, op.Kind, op.Input, output, call, ret, outcome);
    }

    /// <summary>Closes the connection (a client used for a few reads, not <see cref="Run"/>).</summary>
    public void Close() => Disconnect();

    private RespValue Send(string[] command)
    {
        var args = command.Select(Encoding.UTF8.GetBytes).ToList();
        var bytes = new StringBuilder().Append('*').Append(args.Count).Append("\r\n");
        var buffer = new MemoryStream();
        buffer.Write(Encoding.ASCII.GetBytes(bytes.ToString()));
        foreach (var arg in args)
        {
            buffer.Write(Encoding.ASCII.GetBytes($"${arg.Length}\r\n"));
            buffer.Write(arg);
            buffer.Write("\r\n"u8);
        }
        _tcp!.GetStream().Write(buffer.ToArray());
        return _reader!.Read();
    }

    private void Connect()
    {
        for (var attempt = 0; ; attempt++)
        {
            var node = (_node + attempt) % nodes;
            var tcp = new TcpClient { NoDelay = true, ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds };
            try
            {
                var connecting = tcp.ConnectAsync("127.0.0.1", portOf(node));
                if (!connecting.Wait(timeout))
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
                _tcp = tcp;
                _node = node;
                _reader = new RespReplyReader(tcp.GetStream());
                if (staleReads)
                {
                    Send(["READONLY"]);
                }
                return;
            }
            catch (Exception ex) when (ex is SocketException or AggregateException or IOException or RespProtocolException)
            {
                tcp.Dispose();
                if (attempt >= nodes - 1)
                {
                    throw new IOException($"no node accepts connections: {ex.Message}", ex);
                }
            }
        }
    }

    private void Disconnect()
    {
        _tcp?.Dispose();
        _tcp = null;
        _reader = null;
        // Next time, another node: the one this client talked to may be down or cut off.
        _node = (_node + 1) % nodes;
    }
}
