using System.Collections.Concurrent;
using Cairn.Replication;
using Cairn.StateMachine;

namespace Cairn.Server.Connections;

/// <summary>
/// This node's clients waiting in a blocking command, by the token their waiter carries (<see cref="BlockOwner"/>):
/// the late replies the log hands out (<see cref="IKvService.ClientsUnblocked"/>) complete them. A reply in flight
/// for a client that is gone is handed back (its wait ended as "the client went": the pop goes back to its key).
/// </summary>
public sealed class BlockedClients(Func<IKvService> kv)
{
    private readonly ConcurrentDictionary<ulong, Waiting> _waiting = new();
    private long _nextToken;
    private int _blocked;

    /// <summary>A client waiting for its reply; <see cref="Reply"/> completes with it.</summary>
    public sealed class Waiting(ClientSession client, BlockOwner owner)
    {
        public ClientSession Client { get; } = client;

        public BlockOwner Owner { get; } = owner;

        public TaskCompletionSource<UnblockedClient> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Clients blocked here now (INFO blocked_clients).</summary>
    public int Count => Volatile.Read(ref _blocked);

    /// <summary>Registers a client before its blocking command is proposed, so no reply can come before it is awaited.</summary>
    public Waiting Register(ClientSession client)
    {
        var waiting = new Waiting(client, kv().BlockOwner((ulong)Interlocked.Increment(ref _nextToken)));
        _waiting[waiting.Owner.Token] = waiting;
        return waiting;
    }

    public void Unregister(Waiting waiting) => _waiting.TryRemove(waiting.Owner.Token, out _);

    /// <summary>Counts a registered client as blocked (its command is waiting in the log's state) until <see cref="Unblocked"/>.</summary>
    public void Blocked(Waiting waiting)
    {
        waiting.Client.BlockedBy = waiting;
        Interlocked.Increment(ref _blocked);
    }

    public void Unblocked(Waiting waiting)
    {
        waiting.Client.BlockedBy = null;
        Interlocked.Decrement(ref _blocked);
    }

    /// <summary>The apply thread's handler: completes the waiting clients; hands back what is in flight for a client that is gone.</summary>
    public void Deliver(IReadOnlyList<UnblockedClient> replies)
    {
        List<byte[]>? orphans = null;
        foreach (var reply in replies)
        {
            if (_waiting.TryRemove(reply.Owner.Token, out var waiting))
            {
                waiting.Reply.TrySetResult(reply);
            }
            else if (reply.InFlight)
            {
                (orphans ??= []).Add(reply.Owner.ToBytes());
            }
        }
        if (orphans is not null)
        {
            // Not on the applying thread: a proposal may wait for room in the log.
            _ = Task.Run(() => Task.WhenAll(orphans.Select(Gone)));
        }
    }

    /// <summary>Ends the wait of a client that went, in the log: a pop in flight for it goes back to its key.</summary>
    public Task Gone(byte[] owner) => kv().WriteAsync(new KvCommand(KvOps.Of(BlockingOp.Unblock), [owner], 0)).AsTask();

    /// <summary>The pops written to clients and flushed: no longer in flight.</summary>
    public Task Acknowledge(byte[][] owners) => kv().WriteAsync(new KvCommand(KvOps.Of(BlockingOp.Ack), owners)).AsTask();
}
