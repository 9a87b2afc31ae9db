using Cairn.Server.Connections;
using Cairn.StateMachine;
using Cairn.StateMachine.Blocking;

namespace Cairn.Server.Commands;

/// <summary>
/// The blocking pops (Redis 7.0's replies and errors). Each is an entry: served at once when it can be; otherwise its
/// waiter is in the replicated state (<see cref="BlockingOp"/>) and the client waits here for the late reply the log
/// hands this node. A client that goes ends its wait in the log; a pop written to it is acknowledged after the flush.
/// </summary>
internal static class BlockingCommands
{
    private const CommandFlags W = CommandFlags.Write | CommandFlags.Blocking;
    private const CommandFlags N = CommandFlags.NoScript;
    private static readonly CommandGroup Lists = new("list", ["@list"], defaultFirstKey: 1, defaultLastKey: -2, defaultStep: 1);
    private static readonly CommandGroup ZSets = new("sorted-set", ["@sortedset"], defaultFirstKey: 1, defaultLastKey: -2, defaultStep: 1);
    private const string Keys = "O(N) where N is the number of provided keys.";

    public static IEnumerable<CommandDef> Definitions() =>
    [
        Lists.Command("blpop", -3, W | N, "Remove and get the first element in a list, or block until one is available", "key... timeout:double",
            c => Block(c, BlockingSyntax.BLPop), since: "2.0.0", complexity: Keys, acl: ["@list", "@blocking"]),
        Lists.Command("brpop", -3, W | N, "Remove and get the last element in a list, or block until one is available", "key... timeout:double",
            c => Block(c, BlockingSyntax.BRPop), since: "2.0.0", complexity: Keys, acl: ["@list", "@blocking"]),
        Lists.Command("blmove", 6, W | N | CommandFlags.DenyOom, "Pop an element from a list, push it to another list and return it; or block until one is available",
            "source:key destination:key wherefrom:LEFT|RIGHT whereto:LEFT|RIGHT timeout:double", c => Block(c, BlockingSyntax.BLMove), since: "6.2.0", lastKey: 2, acl: ["@list", "@blocking"]),
        Lists.Command("brpoplpush", 4, W | N | CommandFlags.DenyOom, "Pop an element from a list, push it to another list and return it; or block until one is available",
            "source:key destination:key timeout:double", c => Block(c, BlockingSyntax.BRPopLPush), since: "2.2.0", lastKey: 2, acl: ["@list", "@blocking"]),
        Lists.Command("blmpop", -5, W | CommandFlags.MovableKeys, "Pop elements from a list, or block until one is available",
            "timeout:double numkeys:integer key... where:LEFT|RIGHT [COUNT count:integer]", c => Block(c, BlockingSyntax.BLMPop), since: "7.0.0", firstKey: 0,
            complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.", acl: ["@list", "@blocking"]),
        ZSets.Command("bzpopmin", -3, W | N | CommandFlags.Fast, "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
            "key... timeout:double", c => Block(c, BlockingSyntax.BZPopMin), since: "5.0.0", complexity: "O(log(N)) with N being the number of elements in the sorted set.", acl: ["@sortedset", "@blocking"]),
        ZSets.Command("bzpopmax", -3, W | N | CommandFlags.Fast, "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
            "key... timeout:double", c => Block(c, BlockingSyntax.BZPopMax), since: "5.0.0", complexity: "O(log(N)) with N being the number of elements in the sorted set.", acl: ["@sortedset", "@blocking"]),
        ZSets.Command("bzmpop", -5, W | CommandFlags.MovableKeys, "Remove and return members with scores in a sorted set or block until one is available",
            "timeout:double numkeys:integer key... where:MIN|MAX [COUNT count:integer]", c => Block(c, BlockingSyntax.BZMPop), since: "7.0.0", firstKey: 0,
            complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
            acl: ["@sortedset", "@blocking"]),
    ];

    private static void Block(CommandContext c, Func<byte[][], byte[], Parsed> syntax)
    {
        var server = c.Server;
        server.EnsureUnblocking();
        var waiting = server.Blocked.Register(c.Client);
        var parsed = syntax(c.Argv(), waiting.Owner.ToBytes());
        if (parsed.Command is not { } command)
        {
            server.Blocked.Unregister(waiting);
            c.Error(parsed.Error!);
            return;
        }
        ValueTask<KvReply> written;
        try
        {
            written = c.Kv.WriteAsync(command);
        }
        catch (Exception ex)
        {
            written = new ValueTask<KvReply>(KvReply.Error($"ERR {ex.Message}"));
        }
        c.Defer(AwaitAsync(server, waiting, written));
    }

    /// <summary>The entry's reply, or once it blocked, the late one; a client that goes meanwhile ends its wait in the log.</summary>
    private static async ValueTask<KvReply> AwaitAsync(ServerContext server, BlockedClients.Waiting waiting, ValueTask<KvReply> written)
    {
        KvReply reply;
        try
        {
            reply = await written;
        }
        catch
        {
            server.Blocked.Unregister(waiting);
            throw;
        }
        if (!BlockingSyntax.IsBlocked(reply))
        {
            server.Blocked.Unregister(waiting);
            return reply;
        }
        var client = waiting.Client;
        server.Blocked.Blocked(waiting);
        try
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (client.Closed.Register(() => closed.TrySetResult()))
            {
                if (await Task.WhenAny(waiting.Reply.Task, closed.Task) != waiting.Reply.Task)
                {
                    // Gone (or killed): the wait ends in the log; a pop handed to it meanwhile goes back (BlockedClients.Deliver).
                    server.Blocked.Unregister(waiting);
                    _ = server.Blocked.Gone(waiting.Owner.ToBytes());
                    return KvReply.Error("ERR the client went while blocked");
                }
            }
            var unblocked = waiting.Reply.Task.Result;
            if (unblocked.InFlight)
            {
                client.PendingAcks.Add(waiting.Owner.ToBytes());
            }
            return unblocked.Reply;
        }
        finally
        {
            server.Blocked.Unblocked(waiting);
        }
    }
}
