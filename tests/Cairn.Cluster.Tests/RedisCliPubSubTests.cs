using System.Diagnostics;
using System.Text;

namespace Cairn.Cluster.Tests;

/// <summary>
/// Debian's redis-cli (redis-tools, installed by .ci/run) on a 3-node cluster: SUBSCRIBE and PSUBSCRIBE with --csv on the
/// followers print every message published on another node, before and after the leader is killed; --pipe loads a list
/// through a follower.
/// </summary>
public sealed class RedisCliPubSubTests
{
    /// <summary>A long-running redis-cli whose output lines are collected as they come.</summary>
    private sealed class Cli : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];

        public Cli(int port, params string[] args)
        {
            var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var arg in new[] { "-h", "127.0.0.1", "-p", port.ToString() }.Concat(args))
            {
                info.ArgumentList.Add(arg);
            }
            _process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line);
                    }
                }
            };
            _process.BeginOutputReadLine();
        }

        public List<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public Task WaitForAsync(string line) =>
            Poll.UntilAsync(() => Task.FromResult(Lines.Contains(line)), TimeSpan.FromSeconds(30), $"redis-cli to print {line}");

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            _process.Dispose();
        }
    }

    [Fact]
    public async Task SubscribersPrintEveryMessageThroughALeaderKillAndPipeLoadsAList()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var followers = cluster.Nodes.Where(n => n != leader).ToList();
        using var channel = new Cli(followers[0].Port, "--csv", "SUBSCRIBE", "news");
        using var pattern = new Cli(followers[1].Port, "--csv", "PSUBSCRIBE", "n*");
        await channel.WaitForAsync("\"subscribe\",\"news\",1");
        await pattern.WaitForAsync("\"psubscribe\",\"n*\",1");
        using var publisher = new RawClient(followers[1].Port);
        Assert.Equal(":1", publisher.Call("PUBLISH", "news", "first message"));
        await channel.WaitForAsync("\"message\",\"news\",\"first message\"");
        await pattern.WaitForAsync("\"pmessage\",\"n*\",\"news\",\"first message\"");

        leader.Kill();
        await cluster.WaitForLeaderAsync(except: leader);
        await Poll.UntilAsync(() => Task.FromResult(publisher.Call("PUBLISH", "news", "after the kill") == ":1"), TimeSpan.FromSeconds(30), "a publish after the kill");
        await channel.WaitForAsync("\"message\",\"news\",\"after the kill\"");
        await pattern.WaitForAsync("\"pmessage\",\"n*\",\"news\",\"after the kill\"");
        Assert.Single(channel.Lines, "\"message\",\"news\",\"first message\"");

        var commands = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            commands.Append(RawClient.Encode("RPUSH", "piped", $"element-{i}"));
        }
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-h", "127.0.0.1", "-p", followers[0].Port.ToString(), "--pipe" })
        {
            info.ArgumentList.Add(arg);
        }
        using var pipe = Process.Start(info)!;
        await pipe.StandardInput.WriteAsync(commands.ToString());
        pipe.StandardInput.Close();
        var output = await pipe.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await pipe.WaitForExitAsync();
        Assert.Contains("errors: 0, replies: 10000", output);
        Assert.Equal(":10000", publisher.Call("LLEN", "piped"));
        Assert.Equal("$element-9999", publisher.Call("LINDEX", "piped", "-1"));
    }
}
