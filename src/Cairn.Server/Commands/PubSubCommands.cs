using Cairn.Server.Connections;
using Cairn.StateMachine;
using Cairn.StateMachine.PubSub;

namespace Cairn.Server.Commands;

/// <summary>
/// Pub/sub (Redis 7.0's replies). PUBLISH and SPUBLISH go through the log, so a message published on any node reaches
/// the subscribers of every node once and in log order; their reply counts the receivers on the publisher's node
/// (as Redis Cluster counts a node's own), once the entry is applied here. Subscriptions are this node's (<see cref="Subscriptions"/>);
/// PUBSUB's subcommands answer for this node, as Redis Cluster's do.
/// </summary>
internal static class PubSubCommands
{
    private const CommandFlags S = CommandFlags.Pubsub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Subscribed;
    private const CommandFlags P = CommandFlags.Pubsub | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.Logged;
    private static readonly CommandGroup PubSub = new("pubsub", ["@pubsub"]);
    private static readonly CommandGroup Sharded = new("pubsub", ["@pubsub"], defaultFirstKey: 1, defaultLastKey: -1, defaultStep: 1);

    public static IEnumerable<CommandDef> Definitions() =>
    [
        PubSub.Command("publish", 3, P, "Post a message to a channel", "channel:string message:string", c => Publish(c, sharded: false), since: "2.0.0",
            complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."),
        Sharded.Command("spublish", 3, P, "Post a message to a shard channel", "shardchannel:string message:string", c => Publish(c, sharded: true), since: "7.0.0", lastKey: 1,
            complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel."),
        PubSub.Command("subscribe", -2, S, "Listen for messages published to the given channels", "channel:string...", c => Subscribe(c, SubscriptionKind.Channel), since: "2.0.0",
            complexity: "O(N) where N is the number of channels to subscribe to."),
        PubSub.Command("psubscribe", -2, S, "Listen for messages published to channels matching the given patterns", "pattern:pattern...", c => Subscribe(c, SubscriptionKind.Pattern), since: "2.0.0",
            complexity: "O(N) where N is the number of patterns the client is already subscribed to."),
        Sharded.Command("ssubscribe", -2, S, "Listen for messages published to the given shard channels", "shardchannel:string...", c => Subscribe(c, SubscriptionKind.ShardChannel), since: "7.0.0",
            complexity: "O(N) where N is the number of shard channels to subscribe to."),
        PubSub.Command("unsubscribe", -1, S, "Stop listening for messages posted to the given channels", "[channel:string...]", c => Unsubscribe(c, SubscriptionKind.Channel), since: "2.0.0",
            complexity: "O(N) where N is the number of clients already subscribed to a channel."),
        PubSub.Command("punsubscribe", -1, S, "Stop listening for messages posted to channels matching the given patterns", "[pattern:pattern...]", c => Unsubscribe(c, SubscriptionKind.Pattern), since: "2.0.0",
            complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)."),
        Sharded.Command("sunsubscribe", -1, S, "Stop listening for messages posted to the given shard channels", "[shardchannel:string...]", c => Unsubscribe(c, SubscriptionKind.ShardChannel), since: "7.0.0",
            complexity: "O(N) where N is the number of clients already subscribed to a shard channel."),
        new CommandDef
        {
            Name = "pubsub",
            Arity = -2,
            Group = "pubsub",
            Summary = "A container for Pub/Sub commands",
            Since = "2.8.0",
            Complexity = "Depends on subcommand.",
            Subcommands = CommandTable.Subs(
                Sub("channels", -2, "List active channels", "[pattern:pattern]", c => Channels(c, sharded: false), "2.8.0",
                    "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"),
                Sub("shardchannels", -2, "List active shard channels", "[pattern:pattern]", c => Channels(c, sharded: true), "7.0.0",
                    "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."),
                Sub("numsub", -2, "Get the count of subscribers for channels", "[channel:string...]", c => NumSub(c, sharded: false), "2.8.0",
                    "O(N) for the NUMSUB subcommand, where N is the number of requested channels"),
                Sub("shardnumsub", -2, "Get the count of subscribers for shard channels", "[shardchannel:string...]", c => NumSub(c, sharded: true), "7.0.0",
                    "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"),
                Sub("numpat", 2, "Get the count of unique patterns pattern subscriptions", "", c => c.Writer.WriteInteger(c.Server.Subscriptions.Counts.Patterns), "2.8.0", "O(1)"),
                PubSub.Command("help", 2, CommandFlags.Loading | CommandFlags.Stale, "Show helpful text about the different subcommands", "", Help, since: "6.2.0", acl: [])),
        },
    ];

    private static CommandDef Sub(string name, int arity, string summary, string syntax, CommandHandler handler, string since, string complexity) =>
        PubSub.Command(name, arity, CommandFlags.Pubsub | CommandFlags.Loading | CommandFlags.Stale, summary, syntax, handler, since, complexity);

    /// <summary>Through the log; the reply, once applied, counts this node's receivers of the channel.</summary>
    private static void Publish(CommandContext c, bool sharded)
    {
        var argv = c.Argv();
        var command = (sharded ? PubSubSyntax.ShardPublish(argv) : PubSubSyntax.Publish(argv)).Command!;
        ValueTask<KvReply> reply;
        try
        {
            reply = c.Kv.WriteAsync(command);
        }
        catch (Exception ex)
        {
            reply = new ValueTask<KvReply>(KvReply.Error($"ERR {ex.Message}"));
        }
        c.Defer(CountReceivers(reply, c.Server, argv[1], sharded));
    }

    /// <summary>
    /// The entry's reply is its index: once this node applied it (a follower may be behind the leader that answered),
    /// the message is in its subscribers' outboxes, and they are counted.
    /// </summary>
    private static async ValueTask<KvReply> CountReceivers(ValueTask<KvReply> written, ServerContext server, byte[] channel, bool sharded)
    {
        var reply = await written;
        if (reply.IsError)
        {
            return reply;
        }
        await server.Kv.WaitForAppliedAsync(reply.Integer);
        return KvReply.Int(server.Subscriptions.Receivers(channel, sharded));
    }

    /// <summary>One confirmation per name, counting the client's subscriptions after it (channels and patterns; shard channels apart).</summary>
    private static void Subscribe(CommandContext c, SubscriptionKind kind)
    {
        c.Server.EnsureDelivering();
        for (var i = 1; i < c.Count; i++)
        {
            var name = c.Bytes(i);
            c.Server.Subscriptions.Add(c.Client, kind, name);
            Confirm(c, kind switch
            {
                SubscriptionKind.Channel => "subscribe"u8,
                SubscriptionKind.Pattern => "psubscribe"u8,
                _ => "ssubscribe"u8,
            }, name, kind);
        }
    }

    /// <summary>Without names, from everything of the kind (in the order subscribed); with none to leave, one confirmation with a null name.</summary>
    private static void Unsubscribe(CommandContext c, SubscriptionKind kind)
    {
        var verb = kind switch
        {
            SubscriptionKind.Channel => "unsubscribe"u8,
            SubscriptionKind.Pattern => "punsubscribe"u8,
            _ => "sunsubscribe"u8,
        };
        var names = c.Count > 1 ? c.BytesFrom(1).ToList() : c.Server.Subscriptions.Of(c.Client, kind);
        if (names.Count == 0)
        {
            Confirm(c, verb, null, kind);
            return;
        }
        foreach (var name in names)
        {
            c.Server.Subscriptions.Remove(c.Client, kind, name);
            Confirm(c, verb, name, kind);
        }
    }

    private static void Confirm(CommandContext c, ReadOnlySpan<byte> verb, byte[]? name, SubscriptionKind kind)
    {
        var w = c.Writer;
        w.WritePushHeader(3);
        w.WriteBulk(verb);
        if (name is null)
        {
            w.WriteNull();
        }
        else
        {
            w.WriteBulk(name);
        }
        w.WriteInteger(kind == SubscriptionKind.ShardChannel ? c.Client.PubSub.ShardChannels.Count : c.Client.PubSub.Count);
    }

    private static void Channels(CommandContext c, bool sharded)
    {
        if (c.Count > 3)
        {
            c.Error($"ERR unknown subcommand or wrong number of arguments for '{c.Args.GetString(1)}'. Try PUBSUB HELP.");
            return;
        }
        var channels = c.Server.Subscriptions.Channels(c.Count == 3 ? c.Bytes(2) : null, sharded);
        c.Writer.WriteArrayHeader(channels.Count);
        foreach (var channel in channels)
        {
            c.Writer.WriteBulk(channel);
        }
    }

    private static void NumSub(CommandContext c, bool sharded)
    {
        c.Writer.WriteArrayHeader((c.Count - 2) * 2);
        for (var i = 2; i < c.Count; i++)
        {
            var channel = c.Bytes(i);
            c.Writer.WriteBulk(channel);
            c.Writer.WriteInteger(c.Server.Subscriptions.Subscribers(channel, sharded));
        }
    }

    private static void Help(CommandContext c)
    {
        string[] lines =
        [
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
            "HELP",
            "    Prints this help.",
        ];
        c.Writer.WriteArrayHeader(lines.Length);
        foreach (var line in lines)
        {
            c.Writer.WriteSimple(line);
        }
    }
}
