using Cairn.Replication;
using Cairn.Resp;
using Cairn.Server.Connections;
using Cairn.StateMachine;

namespace Cairn.Server.Commands;

/// <summary>
/// What a handler works with: the request's arguments, the client, the reply writer, and the
/// façade. One instance per connection, refilled for each command. A handler either replies now or
/// hands over a pending write (<see cref="Submit"/>) or read (<see cref="Query"/>) whose reply comes
/// later. Replies go out in request order: while earlier replies are pending, a reply made now
/// (WriteReply, Error and the like) is queued behind them. Only a handler that runs with nothing
/// pending may use <see cref="Writer"/> directly.
/// </summary>
internal sealed class CommandContext(ServerContext server, ClientSession client, RespWriter writer, Queue<QueuedReply> pending)
{
    public ServerContext Server { get; } = server;

    public ClientSession Client { get; } = client;

    public RespWriter Writer { get; } = writer;

    /// <summary>The connection's output, which <see cref="Writer"/> writes into (for the output-buffer limit and mid-batch flushes).</summary>
    public System.IO.Pipelines.PipeWriter? Output { get; init; }

    public RespRequest Args { get; set; } = null!;

    public CommandDef Command { get; set; } = null!;

    /// <summary>Whether the pending replies answer reads rather than writes (never both: the connection drains between).</summary>
    public bool PendingAreReads { get; set; }

    /// <summary>When the current command was parsed (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Started { get; set; }

    public int Count => Args.Count;

    public IKvService Kv => Server.Kv;

    /// <summary>Sends a write through the façade; its reply is written after the replies before it.</summary>
    public void Submit(KvCommand command)
    {
        ValueTask<KvReply> reply;
        try
        {
            reply = Kv.WriteAsync(command);
        }
        catch (Exception ex)
        {
            reply = new ValueTask<KvReply>(KvReply.Error($"ERR {ex.Message}"));
        }
        pending.Enqueue(new QueuedReply(reply, Command.FullName, Started));
    }

    /// <summary>Runs what a family's syntax made of the arguments: a write through the log, a query, or its error.</summary>
    public void Run(in Parsed parsed)
    {
        if (parsed.Command is not { } command)
        {
            Error(parsed.Error!);
        }
        else if (command.IsWrite)
        {
            Submit(command);
        }
        else
        {
            Query(command);
        }
    }

    /// <summary>Every argument, the command's name first, copied out: what a family's syntax reads.</summary>
    public byte[][] Argv() => BytesFrom(0);

    /// <summary>Runs a query; the caller has already waited for this client's earlier writes.</summary>
    public void Query(KvCommand command)
    {
        var reply = Kv.ReadAsync(command, Client.Consistency);
        if (reply.IsCompletedSuccessfully && pending.Count == 0)
        {
            WriteReply(reply.Result);
        }
        else
        {
            Defer(reply);
        }
    }

    /// <summary>Queues a reply that is not ready yet; it is written in request order.</summary>
    public void Defer(ValueTask<KvReply> reply) => pending.Enqueue(new QueuedReply(reply, Command.FullName, Started));

    public void WriteReply(in KvReply reply)
    {
        if (pending.Count > 0)
        {
            Defer(new ValueTask<KvReply>(reply));
            return;
        }
        ReplyWriter.Write(Writer, reply);
    }

    public void Error(string message) => WriteReply(KvReply.Error(message));

    public void WrongArity() => Error($"ERR wrong number of arguments for '{Command.FullName}' command");

    public void SyntaxError() => Error(KvErrors.Syntax);

    public bool TryGetInteger(int index, out long value)
    {
        if (RespNumbers.TryParseInt64(Args[index], out value))
        {
            return true;
        }
        Error(KvErrors.NotInteger);
        return false;
    }

    public byte[] Bytes(int index) => Args.ToArray(index);

    /// <summary>Arguments [from, Count) copied out, step by step.</summary>
    public byte[][] BytesFrom(int from)
    {
        var result = new byte[Count - from][];
        for (var i = from; i < Count; i++)
        {
            result[i - from] = Args.ToArray(i);
        }
        return result;
    }
}

/// <summary>A reply not written yet, with what its command metrics need.</summary>
internal readonly record struct QueuedReply(ValueTask<KvReply> Reply, string Command, long Started);
