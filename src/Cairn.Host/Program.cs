using System.CommandLine;
using System.Net;
using Cairn.Host;
using Cairn.Replication;
using Cairn.Server;
using Cairn.Server.Connections;
using Cairn.Storage.RocksDb;
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
    try
    {
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
    builder.Services.AddSingleton(sp => new LocalKvService(engine, sp.GetRequiredService<ILogger<LocalKvService>>(), config.RecordCacheBytes));
    builder.Services.AddSingleton<IKvService>(sp => sp.GetRequiredService<LocalKvService>());
    builder.Services.AddSingleton(sp => new ServerContext(config.ToServerOptions(nodeId), sp.GetRequiredService<IKvService>(), logLevel));

    ListenOptions? resp = null;
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        // The RESP reader enforces its own query-buffer limit; Kestrel's would stall large values.
        kestrel.Limits.MaxRequestBufferSize = null;
        kestrel.Listen(new IPEndPoint(config.Bind, config.Port), listen =>
        {
            resp = listen;
            listen.UseConnectionHandler<RespConnectionHandler>();
        });
    });

    await using var app = builder.Build();
    var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Cairn");
    Log.Starting(logger, ServerContext.CairnVersion, Environment.ProcessId, config.ToString());
    var kv = app.Services.GetRequiredService<IKvService>();
    var status = kv.GetStatus();
    Log.StoreOpened(logger, storePath, status.KeyCount, status.AppliedIndex);
    try
    {
        await app.StartAsync();
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"cairn-server: cannot listen on {config.Bind}:{config.Port}: {ex.Message}");
        return 1;
    }
    var port = ((IPEndPoint)resp!.EndPoint).Port;
    var server = app.Services.GetRequiredService<ServerContext>();
    server.Config.ListeningPort = port;
    Log.Ready(logger, config.Bind.ToString(), port);
    await app.WaitForShutdownAsync();
    Log.ShuttingDown(logger);
    await app.StopAsync();
    await app.Services.GetRequiredService<LocalKvService>().DisposeAsync();
    Log.Stopped(logger);
    return 0;
}
