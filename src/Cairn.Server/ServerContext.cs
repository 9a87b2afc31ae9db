using System.Security.Cryptography;
using Cairn.Replication;
using Cairn.Server.Commands;
using Cairn.Server.Connections;

namespace Cairn.Server;

/// <summary>Everything the connection handler and commands share: one per server process.</summary>
public sealed class ServerContext
{
    public const string RedisVersion = "7.0.0";
    public static readonly string CairnVersion =
        typeof(ServerContext).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    public ServerContext(ServerOptions options, IKvService kv, LogLevelSwitch logLevel, TimeProvider? time = null)
        : this(options, () => kv, logLevel, time)
    {
    }

    /// <summary>With a service that may not exist yet: the first use waits for <paramref name="kv"/> to produce it.</summary>
    public ServerContext(ServerOptions options, Func<IKvService> kv, LogLevelSwitch logLevel, TimeProvider? time = null)
    {
        _kv = new Lazy<IKvService>(() =>
        {
            var service = kv();
            service.KeyspaceEvents = Config!.KeyspaceEvents;
            return service;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        LogLevel = logLevel;
        Time = time ?? TimeProvider.System;
        StartedAt = Time.GetUtcNow();
        Config = new ServerConfig(options, logLevel);
        Commands = CommandTable.Create();
        Subscriptions = new Subscriptions(() => Config.OutputLimits.PubSub, () => NowMilliseconds);
        Blocked = new BlockedClients(() => Kv);
        Config.KeyspaceEventsChanged += flags => Kv.KeyspaceEvents = flags;
    }

    private readonly Lazy<IKvService> _kv;

    public IKvService Kv => _kv.Value;

    public ServerConfig Config { get; }

    public LogLevelSwitch LogLevel { get; }

    public TimeProvider Time { get; }

    public DateTimeOffset StartedAt { get; }

    public string RunId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public ClientRegistry Clients { get; } = new();

    public ServerStats Stats { get; } = new();

    /// <summary>This node's pub/sub subscriptions; they receive the log's messages from the first subscription on.</summary>
    public Subscriptions Subscriptions { get; }

    /// <summary>This node's clients waiting in blocking commands.</summary>
    public BlockedClients Blocked { get; }

    private int _delivering;
    private int _unblocking;

    /// <summary>Hands the log's late replies of blocked clients to <see cref="Blocked"/> from now on (a no-op after the first call).</summary>
    public void EnsureUnblocking()
    {
        if (Interlocked.Exchange(ref _unblocking, 1) == 0)
        {
            Kv.ClientsUnblocked += Blocked.Deliver;
        }
    }

    /// <summary>Hands the log's messages to <see cref="Subscriptions"/> from now on (a no-op after the first call).</summary>
    public void EnsureDelivering()
    {
        if (Interlocked.Exchange(ref _delivering, 1) == 0)
        {
            Kv.MessagesPublished += Subscriptions.Deliver;
        }
    }

    internal CommandTable Commands { get; }

    public long NowMilliseconds => Time.GetUtcNow().ToUnixTimeMilliseconds();
}
