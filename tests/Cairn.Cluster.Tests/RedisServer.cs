using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cairn.Cluster.Tests;

/// <summary>Debian's redis-server (package redis-server, installed by .ci/run) on a free loopback port, no persistence.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static RedisServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            Process process;
            try
            {
                process = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server (.ci/run does)");
            }
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var probe = new RawClient(port);
                    if (probe.Call("PING") == "+PONG")
                    {
                        return new RedisServer(process, port);
                    }
                }
                catch (SocketException)
                {
                    Thread.Sleep(20);
                }
            }
            if (!process.HasExited)
            {
                process.Kill();
            }
            process.Dispose();
            if (attempt == 2)
            {
                throw new InvalidOperationException($"redis-server did not start on port {port}");
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
