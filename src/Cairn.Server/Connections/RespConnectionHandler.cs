using System.Diagnostics;
using System.Buffers;
using System.IO.Pipelines;
using Cairn.Resp;
using Cairn.Server.Commands;
using Cairn.StateMachine;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Connections;

/// <summary>
/// Serves one RESP client. Each read, it handles every complete request in the buffer (up to
/// <see cref="MaxCommandsPerBatch"/>), then writes the replies in request order and flushes once.
/// A pipeline means what it means to Redis, each command seeing the effects of those before it and
/// none after: consecutive writes are submitted without waiting (the log keeps their order, and they
/// share group commits), consecutive reads likewise (served in the order they were asked, in one
/// read-index round where they can); a read waits for the writes before it, a write for the reads
/// before it, and any other command for everything before it.
/// </summary>
public sealed class RespConnectionHandler(ServerContext server, IHostApplicationLifetime lifetime, ILogger<RespConnectionHandler> logger)
    : ConnectionHandler
{
    private const int MaxCommandsPerBatch = 1024;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var now = server.NowMilliseconds;
        var session = new ClientSession(server.Clients.NextId(), connection.RemoteEndPoint, connection.LocalEndPoint, now);
        Interlocked.Increment(ref server.Stats.ConnectionsReceived);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        if (server.Clients.Count >= server.Config.MaxClients)
        {
            Interlocked.Increment(ref server.Stats.RejectedConnections);
            Log.MaxClients(logger, session.Address);
            new RespWriter(output).WriteError("ERR max number of clients reached");
            await output.FlushAsync();
            return;
        }
        server.Clients.Add(session);
        var killed = false;
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, lifetime.ApplicationStopping);
        session.Closed = closed.Token;
        session.Kill = () =>
        {
            // A client that does not read waits in a flush (the pipe's back-pressure), not in a read: end both.
            killed = true;
            session.Closing = true;
            closed.Cancel();
            input.CancelPendingRead();
            output.CancelPendingFlush();
        };
        // Messages for a client waiting for its next request are written at once: the read is woken for them.
        session.PubSub.Wake = input.CancelPendingRead;
        Log.ClientConnected(logger, session.Id, session.Address);
        using var stopping = lifetime.ApplicationStopping.Register(() =>
        {
            session.Closing = true;
            input.CancelPendingRead();
        });
        try
        {
            await ServeAsync(session, input, output);
            if (session.OutputLimitReached || killed)
            {
                // Closed at once: the replies it left unread are dropped, not sent (Redis frees such a client).
                connection.Abort(new ConnectionAbortedException(session.OutputLimitReached ? "client-output-buffer-limit" : "CLIENT KILL"));
            }
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            if (session.OutputLimitReached)
            {
                Log.OutputBufferExceeded(logger, session.Id, session.Address, session.OutputLimitBytes, session.OutputLimitClass);
            }
            session.PubSub.Wake = null;
            foreach (var owner in session.PendingAcks)
            {
                // Written but maybe never sent: back to its key.
                _ = server.Blocked.Gone(owner);
            }
            server.Subscriptions.RemoveAll(session);
            session.PubSub.ClearOutbox();
            server.Clients.Remove(session);
            Log.ClientDisconnected(logger, session.Id);
        }
    }

    private async Task ServeAsync(ClientSession session, PipeReader input, PipeWriter output)
    {
        var writer = new RespWriter(output);
        var reader = new RespRequestReader(server.Config.Limits);
        var request = new RespRequest();
        var pending = new Queue<QueuedReply>();
        var context = new CommandContext(server, session, writer, pending) { Args = request, Output = output };
        while (true)
        {
            var result = await input.ReadAsync();
            if (result.IsCanceled)
            {
                if (session.Closing)
                {
                    return;
                }
                // Woken for messages: the input, if any, is read again at once.
                input.AdvanceTo(result.Buffer.Start);
                session.PubSub.WriteOutbox(writer, long.MaxValue);
                await FlushAsync(session, output);
                if (session.OutputEnded)
                {
                    return;
                }
                continue;
            }
            var buffer = result.Buffer;
            var examinedAll = true;
            reader.Limits = server.Config.Limits;
            Interlocked.Add(ref server.Stats.TotalNetInputBytes, buffer.Length);
            try
            {
                var handled = 0;
                while (true)
                {
                    if (handled == MaxCommandsPerBatch)
                    {
                        // Answer what we have; the rest is read again at once without waiting for the network.
                        examinedAll = false;
                        break;
                    }
                    bool parsed;
                    try
                    {
                        parsed = reader.TryRead(ref buffer, request);
                    }
                    catch (RespProtocolException ex)
                    {
                        await DrainAsync(pending, context);
                        Interlocked.Increment(ref server.Stats.ProtocolErrors);
                        Log.ProtocolError(logger, session.Id, session.Address, ex.Message);
                        writer.WriteError("ERR " + ex.Message);
                        session.CloseAfterReply = true;
                        break;
                    }
                    if (!parsed)
                    {
                        session.QueryBufferBytes = buffer.Length;
                        if (buffer.Length > reader.Limits.MaxQueryBuffer)
                        {
                            Log.QueryBufferExceeded(logger, session.Id, session.Address, buffer.Length);
                            session.CloseAfterReply = true;
                        }
                        break;
                    }
                    if (request.Count == 0)
                    {
                        continue;
                    }
                    handled++;
                    await ExecuteAsync(context, pending);
                    if (pending.Count == 0 && !await FlushEarlyAsync(context))
                    {
                        break;
                    }
                    if (session.CloseAfterReply)
                    {
                        break;
                    }
                }
                await DrainAsync(pending, context);
            }
            finally
            {
                if (examinedAll)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
                else
                {
                    input.AdvanceTo(buffer.Start);
                }
            }
            if (session.PubSub.HasOutbox)
            {
                session.PubSub.WriteOutbox(writer, long.MaxValue);
            }
            if (session.OutputEnded || session.OutputLimitReached || OverOutputLimit(context, output.UnflushedBytes))
            {
                // As Redis: the client is closed and what it did not read is dropped.
                return;
            }
            await FlushAsync(session, output);
            if (session.CloseAfterReply || session.OutputEnded || (result.IsCompleted && examinedAll))
            {
                return;
            }
        }
    }

    private async ValueTask ExecuteAsync(CommandContext context, Queue<QueuedReply> pending)
    {
        var request = context.Args;
        context.Started = Stopwatch.GetTimestamp();
        if (pending.Count == 0 && context.Client.PubSub.HasOutbox)
        {
            // Messages delivered before this command was read go out before its reply, as in Redis's output buffer.
            context.Client.PubSub.WriteOutbox(context.Writer, long.MaxValue);
        }
        var command = server.Commands.Find(request[0]);
        Interlocked.Increment(ref server.Stats.CommandsProcessed);
        if (command is null)
        {
            await DrainAsync(pending, context);
            context.Error(UnknownCommand(request));
            return;
        }
        if (command.Subcommands is not null && (request.Count > 1 || command.Handler is null))
        {
            if (request.Count < 2)
            {
                context.Command = command;
                await DrainAsync(pending, context);
                context.WrongArity();
                return;
            }
            var sub = CommandTable.FindSubcommand(command, request[1]);
            if (sub is null)
            {
                await DrainAsync(pending, context);
                context.Error($"ERR unknown subcommand '{Truncate(request.GetString(1))}'. Try {command.Name.ToUpperInvariant()} HELP.");
                return;
            }
            command = sub;
        }
        context.Command = command;
        var joins = command.IsLogged ? !context.PendingAreReads : command.IsReadOnly && context.PendingAreReads;
        if (pending.Count > 0 && !joins)
        {
            await DrainAsync(pending, context);
        }
        if (!command.AcceptsArgumentCount(request.Count))
        {
            context.WrongArity();
            CommandMetrics.Record(command.FullName, failed: true, context.Started);
            return;
        }
        if (context.Client.Protocol == 2 && context.Client.PubSub.IsSubscribed && (command.Flags & CommandFlags.Subscribed) == 0)
        {
            context.Error($"ERR Can't execute '{command.FullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
            CommandMetrics.Record(command.FullName, failed: true, context.Started);
            return;
        }
        if ((command.Flags & CommandFlags.Blocking) != 0)
        {
            // It may wait long: the replies before it go out first, as Redis writes them while a client is blocked.
            await DrainAsync(pending, context);
            if (context.Output is { UnflushedBytes: > 0 } output)
            {
                await FlushAsync(context.Client, output);
            }
        }
        context.Client.LastCommand = command.FullName;
        context.Client.LastCommandMilliseconds = server.NowMilliseconds;
        var errors = context.Writer.ErrorsWritten;
        var queued = pending.Count;
        try
        {
            command.Handler!(context);
            if (pending.Count > queued)
            {
                context.PendingAreReads = !command.IsLogged;
            }
            if ((command.Flags & CommandFlags.Blocking) != 0)
            {
                // As Redis: a blocked client's next commands wait until it is unblocked.
                await DrainAsync(pending, context);
            }
            if (pending.Count == queued)
            {
                // Answered at once (a deferred reply is recorded when it is written).
                CommandMetrics.Record(command.FullName, context.Writer.ErrorsWritten > errors, context.Started);
            }
        }
        catch (Exception ex)
        {
            // A handler bug must cost one error reply, never the connection or the node.
            Log.CommandFailed(logger, ex, command.FullName, context.Client.Id);
            await DrainAsync(pending, context);
            context.Error($"ERR internal error: {ex.Message}");
        }
    }

    /// <summary>Replies buffered before a batch flushes early, so a pipeline of large replies never sits whole in memory.</summary>
    private const int FlushEarlyBytes = 1 << 20;

    /// <summary>Writes the pending replies in order; past <see cref="FlushEarlyBytes"/> flushes, or stops if the client is over its output limit.</summary>
    private async ValueTask DrainAsync(Queue<QueuedReply> pending, CommandContext context)
    {
        var writer = context.Writer;
        while (pending.Count > 0)
        {
            if (!await FlushEarlyAsync(context))
            {
                pending.Clear();
                return;
            }
            var queued = pending.Dequeue();
            var task = queued.Reply;
            KvReply reply;
            try
            {
                reply = task.IsCompletedSuccessfully ? task.Result : await task;
            }
            catch (Exception ex)
            {
                reply = KvReply.Error($"ERR {ex.Message}");
            }
            ReplyWriter.Write(writer, reply);
            CommandMetrics.Record(queued.Command, reply.IsError, queued.Started);
        }
    }

    /// <summary>
    /// Flushes once <see cref="FlushEarlyBytes"/> of replies are buffered, so that replies written at
    /// once (local reads) are held by the client's reading like deferred ones; false if the client is
    /// over its output-buffer limit instead (it is to be closed).
    /// </summary>
    private async ValueTask<bool> FlushEarlyAsync(CommandContext context)
    {
        if (context.Client.OutputEnded || context.Client.OutputLimitReached)
        {
            return false;
        }
        if (context.Output is not { UnflushedBytes: >= FlushEarlyBytes } output)
        {
            return true;
        }
        if (OverOutputLimit(context, output.UnflushedBytes))
        {
            return false;
        }
        await FlushAsync(context.Client, output);
        return !context.Client.OutputEnded;
    }

    /// <summary>
    /// Flushes the replies, marking the client as waiting to write while its reading holds them; a flush cancelled
    /// (CLIENT KILL) or finding the client's side closed ends the output (<see cref="ClientSession.OutputEnded"/>).
    /// </summary>
    private async ValueTask FlushAsync(ClientSession session, PipeWriter output)
    {
        Interlocked.Add(ref server.Stats.TotalNetOutputBytes, output.UnflushedBytes);
        var flush = output.FlushAsync();
        FlushResult result;
        if (flush.IsCompleted)
        {
            result = flush.Result;
        }
        else
        {
            session.WaitingToWrite = true;
            try
            {
                result = await flush;
            }
            finally
            {
                session.WaitingToWrite = false;
            }
        }
        session.OutputEnded |= result.IsCanceled || result.IsCompleted;
        if (session.PendingAcks.Count > 0 && !session.OutputEnded)
        {
            // The blocked pops are out: they are no longer in flight.
            _ = server.Blocked.Acknowledge([.. session.PendingAcks]);
            session.PendingAcks.Clear();
        }
    }

    /// <summary>Whether the client must go for overcoming its output-buffer limit (its class: pubsub while subscribed, else normal; logged at close).</summary>
    private bool OverOutputLimit(CommandContext context, long unsent)
    {
        var session = context.Client;
        var overSince = session.OutputOverSoftSince;
        var pubsub = session.PubSub.IsSubscribed;
        unsent += session.PubSub.OutboxBytes;
        var limits = server.Config.OutputLimits;
        var over = OutputBufferLimits.Exceeded(pubsub ? limits.PubSub : limits.Normal, unsent, server.NowMilliseconds, ref overSince);
        session.OutputOverSoftSince = overSince;
        if (over && !session.OutputLimitReached)
        {
            session.OutputLimitClass = pubsub ? "pubsub" : "normal";
            session.OutputLimitBytes = unsent;
            session.OutputLimitReached = true;
            session.CloseAfterReply = true;
        }
        return over;
    }

    /// <summary>server.c processCommand: "unknown command 'x', with args beginning with: 'a' 'b' ".</summary>
    private static string UnknownCommand(RespRequest request)
    {
        var args = new System.Text.StringBuilder();
        for (var i = 1; i < request.Count && args.Length < 128; i++)
        {
            var arg = request.GetString(i);
            args.Append('\'').Append(arg.AsSpan(0, Math.Min(arg.Length, 128 - args.Length))).Append("' ");
        }
        return $"ERR unknown command '{Truncate(request.GetString(0))}', with args beginning with: {args}";
    }

    private static string Truncate(string text) => text.Length <= 128 ? text : text[..128];
}
