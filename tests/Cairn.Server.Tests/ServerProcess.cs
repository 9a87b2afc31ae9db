using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Cairn.Server.Tests;

/// <summary>A real cairn-server process on a free loopback port, with its output captured.</summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly string ServerPath = Path.GetFullPath(typeof(ServerProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CairnServerPath").Value!);

    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsDirectory;
    private ConnectionMultiplexer? _redis;
    private TextWriter? _tee;

    private ServerProcess(Process process, string dataDirectory, bool ownsDirectory)
    {
        Process = process;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
    }

    public Process Process { get; }

    public string DataDirectory { get; }

    public int Port { get; private set; }

    /// <summary>The HTTP API port (0 when it is off).</summary>
    public int HttpPort { get; private set; }

    /// <summary>The gRPC API port (0 when it is off).</summary>
    public int GrpcPort { get; private set; }

    public string Output => string.Join('\n', _output);

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "cairn-test-" + Guid.NewGuid().ToString("N"));

    /// <summary>Starts a server; unless told otherwise it gets its own data directory and port 0, and is awaited until ready.</summary>
    public static async Task<ServerProcess> StartAsync(string? dataDirectory = null, IEnumerable<string>? args = null,
        IDictionary<string, string>? environment = null, bool waitForReady = true)
    {
        var server = Launch(dataDirectory, args, environment);
        if (waitForReady)
        {
            await server.WaitForReadyAsync();
        }
        return server;
    }

    /// <param name="tee">Also receives every output line (e.g. a node's log file that outlives restarts).</param>
    public static ServerProcess Launch(string? dataDirectory = null, IEnumerable<string>? args = null, IDictionary<string, string>? environment = null, TextWriter? tee = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= NewDataDirectory();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(ServerPath);
        var arguments = args?.ToList() ?? [];
        if (!arguments.Contains("--port") && !arguments.Contains("--config"))
        {
            arguments.AddRange(["--port", "0"]);
        }
        if (!arguments.Contains("--data-dir") && !arguments.Contains("--config"))
        {
            arguments.AddRange(["--data-dir", dataDirectory]);
        }
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CAIRN_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process, dataDirectory, owns) { _tee = tee };
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Exited += (_, _) => server._ready.TrySetException(new InvalidOperationException("cairn-server exited before it was ready:\n" + server.Output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public async Task WaitForReadyAsync()
    {
        Port = await _ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        if (_tee is { } tee)
        {
            lock (tee)
            {
                tee.WriteLine(line);
            }
        }
        if (ApiLine().Match(line) is { Success: true } api)
        {
            if (api.Groups[1].Value == "HTTP")
            {
                HttpPort = int.Parse(api.Groups[2].Value);
            }
            else
            {
                GrpcPort = int.Parse(api.Groups[2].Value);
            }
        }
        var ready = ReadyLine().Match(line);
        if (ready.Success)
        {
            _ready.TrySetResult(int.Parse(ready.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Ready to accept connections tcp on .*:(\d+)$")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"(HTTP|gRPC) API on http://.*:(\d+)")]
    private static partial Regex ApiLine();

    public ConnectionMultiplexer Redis => _redis ??= Connect();

    public ConnectionMultiplexer Connect(Action<ConfigurationOptions>? configure = null)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", Port } },
            AbortOnConnectFail = true,
            ConnectTimeout = 10_000,
            SyncTimeout = 10_000,
            AsyncTimeout = 10_000,
            AllowAdmin = true,
        };
        configure?.Invoke(options);
        return ConnectionMultiplexer.Connect(options);
    }

    public RawClient Raw() => new(Port);

    /// <summary>SIGKILL: the process gets no chance to flush or clean up.</summary>
    public void KillHard()
    {
        _redis?.Dispose();
        _redis = null;
        if (!Process.HasExited)
        {
            Process.Kill();
        }
        Process.WaitForExit();
    }

    /// <summary>SIGTERM, as an init system stops a service.</summary>
    public void Terminate() => SendSignal(Process.Id, 15);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await Process.WaitForExitAsync().WaitAsync(timeout);
        Process.WaitForExit();
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        _redis?.Dispose();
        if (!Process.HasExited)
        {
            Process.Kill();
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
        if (_ownsDirectory && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
