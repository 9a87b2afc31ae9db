using System.CommandLine;
using System.Net;
using Cairn.Api;
using Cairn.Host;
using Cairn.Replication;
using Cairn.Server;
using Cairn.Server.Connections;
using Cairn.StateMachine;
using Cairn.Storage;
using Cairn.Storage.RocksDb;
using Cairn.Storage.Wal;
using Cairn.Transport;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Exit codes: 0 clean stop, 1 could not run (data directory held, port taken, store unreadable), 2 bad configuration.
var cli = new CommandLine();
var parsed = cli.Root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"cairn-server: {parsed.Errors[0].Message} (see --help)");
    return 2;
}
cli.Root.SetAction((result, _) => RunAsync(result));
return await parsed.InvokeAsync();

async Task<int> RunAsync(ParseResult result)
{
    CairnConfig config;
    try
    {
        config = cli.Resolve(result, Environment.GetEnvironmentVariable);
    }
    catch (ConfigException ex)
    {
        Console.Error.WriteLine($"cairn-server: {ex.Message}");
        return 2;
    }
    var dataDirectory = Path.GetFullPath(config.DataPath);
    using var dataLock = DataDirectoryLock.TryAcquire(dataDirectory);
    if (dataLock is null)
    {
        Console.Error.WriteLine($"cairn-server: data directory '{dataDirectory}' is in use by another process (see {Path.Combine(dataDirectory, "cairn.lock")})");
        return 1;
    }
    string nodeId;
    byte[]? clusterSecret;
    bool secretGenerated;
    try
    {
        var fresh = !File.Exists(Path.Combine(dataDirectory, NodeIdentity.FileName));
        clusterSecret = config.ReadClusterSecret(fresh && config.ShouldBootstrap, out secretGenerated);
        nodeId = NodeIdentity.LoadOrCreate(dataDirectory, config.NodeId);
    }
    catch (ConfigException ex)
    {
        Console.Error.WriteLine($"cairn-server: {ex.Message}");
        return 2;
    }
    config = config with { NodeId = nodeId, DataPath = dataDirectory };
    LogLevelSwitch.TryParse(config.LogLevel, out var level);
    var logLevel = new LogLevelSwitch(level);

    var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
    builder.Logging.ClearProviders();
    builder.Logging.SetMinimumLevel(LogLevel.Trace);
    builder.Logging.AddFilter((category, messageLevel) =>
        logLevel.IsEnabled(messageLevel) && (category?.StartsWith("Microsoft", StringComparison.Ordinal) != true || messageLevel >= LogLevel.Warning));
    builder.Logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.UseUtcTimestamp = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    });
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

    RocksKvEngine engine;
    var storePath = Path.Combine(dataDirectory, "db");
    try
    {
        engine = new RocksKvEngine(storePath, new RocksOptions { MaxOpenFiles = config.MaxOpenFiles, BlockCacheBytes = config.BlockCacheBytes, WriteBufferBytes = config.WriteBufferBytes });
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"cairn-server: cannot open the store at '{storePath}': {ex.Message}");
        return 1;
    }
    using var engineScope = engine;
    if (Environment.GetEnvironmentVariable("CAIRN_TEST_CORRUPT_STORE") == "1")
    {
        // Test-only (docs/testing.md): a record no command wrote, put behind the state machine's back, as a bad
        // disk or a bug would leave it; the corruption check (RAFT.CHECK) must notice.
        using var batch = engine.NewBatch();
        batch.Put(KvSpace.Data, "cairn-test-corruption"u8, "x"u8);
        engine.Write(batch, sync: true);
    }
    // The service is built once the RESP port is known (it is part of this node's member record);
    // a connection that arrives first waits for it.
    var kvReady = new TaskCompletionSource<RaftKvService>(TaskCreationOptions.RunContinuationsAsynchronously);
    builder.Services.AddSingleton(_ => new ServerContext(config.ToServerOptions(nodeId), () => kvReady.Task.GetAwaiter().GetResult(), logLevel));

    var apiService = kvReady.Task.ContinueWith(t => (IKvService)t.Result, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    builder.Services.AddCairnApi(apiService, new ApiOptions { MaxValueBytes = config.ProtoMaxBulkLength, MaxConcurrentRequests = config.HttpMaxConcurrentRequests, NodeName = nodeId });
    ListenOptions? resp = null;
    ListenOptions? http = null;
    ListenOptions? grpc = null;
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        // Unparsed input per connection: the query-buffer limit plus a little, so the RESP handler (which reads only
        // between batches) sees a client past the limit and closes it, and no client can buffer more while its
        // commands are being answered. CONFIG SET may lower the limit, never raise it past this.
        kestrel.Limits.MaxRequestBufferSize = config.ClientQueryBufferLimit + (1L << 20);
        // HTTP and gRPC only (the RESP listener has no headers).
        kestrel.Limits.MaxRequestHeadersTotalSize = (int)Math.Min(int.MaxValue, config.HttpMaxRequestHeadersBytes);
        kestrel.Listen(new IPEndPoint(config.Bind, config.Port), listen =>
        {
            resp = listen;
            listen.UseConnectionHandler<RespConnectionHandler>();
        });
        if (config.HttpListen() is { } httpEndPoint)
        {
            kestrel.Listen(httpEndPoint, listen =>
            {
                http = listen;
                listen.Protocols = HttpProtocols.Http1;
            });
        }
        if (config.GrpcListen() is { } grpcEndPoint)
        {
            // gRPC needs HTTP/2; without TLS (no ALPN) an endpoint speaks one protocol only, hence its own port.
            kestrel.Listen(grpcEndPoint, listen =>
            {
                grpc = listen;
                listen.Protocols = HttpProtocols.Http2;
            });
        }
    });

    await using var app = builder.Build();
    app.MapCairnApi();
    var loggers = app.Services.GetRequiredService<ILoggerFactory>();
    var logger = loggers.CreateLogger("Cairn");
    Log.Starting(logger, ServerContext.CairnVersion, Environment.ProcessId, config.ToString());

    var (raftHost, raftPort) = config.RaftListen();
    TcpPeerTransport transport;
    try
    {
        transport = new TcpPeerTransport(new IPEndPoint(raftHost, raftPort), loggers.CreateLogger("Cairn.Transport"), clusterSecret);
    }
    catch (SocketException ex)
    {
        Console.Error.WriteLine($"cairn-server: cannot listen for peers on {raftHost}:{raftPort}: {ex.Message}");
        return 1;
    }
    await using var transportScope = transport;
    SegmentedLogStore raftLog;
    var logPath = Path.Combine(dataDirectory, "raft");
    try
    {
        raftLog = SegmentedLogStore.Open(logPath, repair: result.GetValue(cli.RepairWal));
    }
    catch (Exception ex) when (ex is WalCorruptException or WalSyncFailedException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"cairn-server: cannot open the Raft log at '{logPath}': {ex.Message}");
        return 1;
    }
    using var raftLogScope = raftLog;
    foreach (var repair in raftLog.Repairs)
    {
        Console.Error.WriteLine($"cairn-server: --repair-wal: {repair}");
        Log.WalRepaired(logger, repair);
    }
    try
    {
        await app.StartAsync();
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"cairn-server: cannot listen on {config.Bind}:{config.Port}, http {config.HttpListen()?.ToString() ?? "off"} or grpc {config.GrpcListen()?.ToString() ?? "off"}: {ex.Message}");
        return 1;
    }
    if (clusterSecret is null)
    {
        Log.NoClusterSecret(logger, transport.LocalEndPoint.ToString());
    }
    else if (secretGenerated)
    {
        Log.GeneratedClusterSecret(logger, Path.GetFullPath(config.ClusterSecretFile!));
    }
    var port = ((IPEndPoint)resp!.EndPoint).Port;
    var advertise = config.AdvertiseAddress ?? Advertised(raftHost, transport.LocalEndPoint.Port);
    var advertiseHost = advertise[..advertise.LastIndexOf(':')];
    var self = new MemberInfo(MemberInfo.IdOf(nodeId), nodeId, advertise, $"{(config.Bind.Equals(IPAddress.Any) ? advertiseHost : config.Bind.ToString())}:{port}");
    var requestTimeout = TimeSpan.FromMilliseconds(config.RequestTimeoutMs);
    var machine = new KvStateMachine(engine, new RecordCache(config.RecordCacheBytes), new KeyIndex(KeyIndex.BoundFor(config.RecordCacheBytes)));
    var empty = raftLog.Groups.Count == 0 && machine.AppliedIndex == 0;
    Exception? fatal = null;
    // Test-only (docs/testing.md): this node's wall clock skewed, to test nodes whose clocks disagree.
    TimeProvider clock = long.TryParse(Environment.GetEnvironmentVariable("CAIRN_TEST_CLOCK_OFFSET_MS"), out var offsetMs) && offsetMs != 0
        ? new OffsetTimeProvider(TimeSpan.FromMilliseconds(offsetMs))
        : TimeProvider.System;
    RaftGroup group;
    try
    {
        group = new RaftGroup(new RaftGroupOptions
        {
            GroupId = 1,
            Self = self,
            TickInterval = TimeSpan.FromMilliseconds(config.HeartbeatIntervalMs),
            ElectionTicks = Math.Max(2, config.ElectionTimeoutMs / config.HeartbeatIntervalMs),
            HeartbeatTicks = 1,
            RequestTimeout = requestTimeout,
            InitialVoters = empty && config.ShouldBootstrap ? [self.Id] : [],
            SnapshotEntries = (ulong)config.SnapshotEntries,
            SnapshotCatchUpEntries = (ulong)config.SnapshotCatchUpEntries,
            OpenCheckpoint = directory => new RocksKvEngine(directory),
            SnapshotDirectory = Path.Combine(dataDirectory, "snapshots"),
            // Fail-stop: the group has stopped and logged why; close the store and exit with code 3.
            OnFatal = ex =>
            {
                fatal = ex;
                app.Lifetime.StopApplication();
            },
        }, raftLog, machine, new PeerMessenger(transport, requestTimeout), loggers.CreateLogger("Cairn.Raft"), clock);
    }
    catch (InvalidOperationException ex)
    {
        // The log and the store disagree in a way the node cannot settle alone (after a log repair).
        Console.Error.WriteLine($"cairn-server: cannot start: {ex.Message}");
        await app.StopAsync();
        return 1;
    }
    var kv = new RaftKvService(group, machine, engine, transport, requestTimeout, loggers.CreateLogger("Cairn.Replication"), clock);
    kv.StartCorruptionChecks(TimeSpan.FromMilliseconds(config.CorruptionCheckIntervalMs));
    transport.Start(self, kv);
    kvReady.SetResult(kv);
    var status = kv.GetStatus();
    Log.StoreOpened(logger, storePath, status.KeyCount, status.AppliedIndex);
    Log.RaftStarted(logger, self.Name, self.Id.ToString("x16"), transport.LocalEndPoint.ToString(), advertise, kv.Cluster.Role);
    var server = app.Services.GetRequiredService<ServerContext>();
    server.Config.ListeningPort = port;
    CommandMetrics.ObserveClients(() => server.Clients.Count);
    if (http is not null)
    {
        Log.HttpReady(logger, ((IPEndPoint)http.EndPoint).ToString());
    }
    if (grpc is not null)
    {
        Log.GrpcReady(logger, ((IPEndPoint)grpc.EndPoint).ToString());
    }
    // Last: scripts and tests take this line to mean every listener is up.
    Log.Ready(logger, config.Bind.ToString(), port);
    using var joining = new CancellationTokenSource();
    if (empty && config.Join.Count > 0)
    {
        _ = JoinAsync(kv, config.Join, logger, joining.Token);
    }
    await app.WaitForShutdownAsync();
    Log.ShuttingDown(logger);
    joining.Cancel();
    await app.StopAsync();
    await kv.DisposeAsync();
    if (fatal is not null)
    {
        Log.StoppedOnFatal(logger, fatal.Message);
        return 3;
    }
    Log.Stopped(logger);
    return 0;
}

static string Advertised(IPAddress host, int port) =>
    host.Equals(IPAddress.Any) || host.Equals(IPAddress.IPv6Any) ? $"{Dns.GetHostName()}:{port}" : new IPEndPoint(host, port).ToString();

// Asks the configured members to admit this node, retrying (with back-off) until one does.
static async Task JoinAsync(RaftKvService kv, IReadOnlyList<string> peers, ILogger logger, CancellationToken cancellationToken)
{
    var delay = TimeSpan.FromMilliseconds(200);
    while (!cancellationToken.IsCancellationRequested && kv.Cluster.Role == "uninitialized")
    {
        var reply = await kv.JoinClusterAsync(peers, cancellationToken);
        if (!reply.IsError)
        {
            return;
        }
        Log.JoinFailed(logger, reply.Text!, delay.TotalMilliseconds);
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
    }
}
