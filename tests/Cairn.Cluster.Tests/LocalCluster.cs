using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// A cluster of real cairn-server processes on loopback. Each node's peer port sits behind a
/// <see cref="PeerProxy"/> (nodes advertise the proxy), so tests can cut links between nodes.
/// Node 1 bootstraps; the others join through it. Short election timeouts keep the tests quick.
/// </summary>
public sealed partial class LocalCluster : IAsyncDisposable
{
    public const int ElectionTimeoutMs = 1000;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cairn-cluster-" + Guid.NewGuid().ToString("N"));

    public List<Node> Nodes { get; } = [];

    /// <summary>Extra environment for every node (settings under test).</summary>
    public Dictionary<string, string> Environment { get; } = new() { ["CAIRN_LOG_LEVEL"] = "info" };

    /// <summary>When set, each node's output goes to &lt;name&gt;.log here too, across restarts (kept after disposal).</summary>
    public string? LogDirectory { get; set; }

    public static async Task<LocalCluster> StartAsync(int size, IReadOnlyDictionary<string, string>? environment = null, string? logDirectory = null)
    {
        var cluster = new LocalCluster { LogDirectory = logDirectory };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            cluster.Environment[name] = value;
        }
        for (var i = 1; i <= size; i++)
        {
            cluster.Nodes.Add(new Node(cluster, $"node{i}", Path.Combine(cluster._root, $"node{i}")));
        }
        await cluster.Nodes[0].StartAsync(bootstrap: true);
        await Task.WhenAll(cluster.Nodes.Skip(1).Select(n => n.StartAsync(bootstrap: false)));
        await cluster.WaitForVotersAsync(size);
        return cluster;
    }

    /// <summary>Adds a node that joins through node 1 (it is not started).</summary>
    public Node AddNode()
    {
        var node = new Node(this, $"node{Nodes.Count + 1}", Path.Combine(_root, $"node{Nodes.Count + 1}"));
        Nodes.Add(node);
        return node;
    }

    public IEnumerable<Node> Running => Nodes.Where(n => n.IsRunning);

    /// <summary>Waits until a running node reports itself leader and a majority of running nodes agree on it.</summary>
    public async Task<Node> WaitForLeaderAsync(TimeSpan? timeout = null, Node? except = null)
    {
        Node? leader = null;
        await Poll.UntilAsync(async () =>
        {
            var views = new List<(Node Node, Dictionary<string, string> Info)>();
            foreach (var node in Running.Where(n => n != except))
            {
                if (await node.TryRaftInfoAsync() is { } info)
                {
                    views.Add((node, info));
                }
            }
            var leaders = views.Where(v => v.Info.GetValueOrDefault("role") == "leader").ToList();
            if (leaders.Count == 0)
            {
                return false;
            }
            var top = leaders.MaxBy(l => long.Parse(l.Info["current_term"]));
            var agree = views.Count(v => v.Info.GetValueOrDefault("leader_id") == top.Node.Name && v.Info["current_term"] == top.Info["current_term"]);
            leader = top.Node;
            return agree > Nodes.Count / 2;
        }, timeout ?? TimeSpan.FromSeconds(30), "a leader");
        return leader!;
    }

    public async Task WaitForVotersAsync(int voters)
    {
        await Poll.UntilAsync(async () =>
        {
            var leader = await WaitForLeaderAsync();
            var info = await leader.TryRaftInfoAsync();
            return info?.GetValueOrDefault("num_voting_nodes") == voters.ToString();
        }, TimeSpan.FromSeconds(60), $"{voters} voters");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [GeneratedRegex(@"listening for peers on .*:(\d+), advertised")]
    private static partial Regex PeerPortLine();

    public sealed class Node(LocalCluster cluster, string name, string dataDirectory) : IAsyncDisposable
    {
        private ConnectionMultiplexer? _redis;
        private StreamWriter? _log;
        // The process this harness is stopping on purpose (its exit is no crash).
        private ServerProcess? _stopping;

        /// <summary>Every exit of this node's process that the harness did not cause (a crash), with its last output.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<string> Crashes { get; } = new();

        public string Name { get; } = name;

        public ulong RaftId { get; } = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(name)) is var id && id != 0 ? id : 1;

        public string DataDirectory { get; } = dataDirectory;

        public PeerProxy Proxy { get; } = new(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(name)));

        public ServerProcess? Server { get; private set; }

        public bool IsRunning => Server is { Process.HasExited: false };

        public int Port => Server!.Port;

        public Uri HttpUri => new($"http://127.0.0.1:{Server!.HttpPort}");

        public Uri GrpcUri => new($"http://127.0.0.1:{Server!.GrpcPort}");

        public string RaftAddress => $"127.0.0.1:{Proxy.Port}";

        public async Task StartAsync(bool bootstrap = false)
        {
            var args = new List<string>
            {
                "--node-id", Name, "--raft-addr", "127.0.0.1:0", "--advertise-addr", RaftAddress,
                "--data-dir", DataDirectory,
            };
            // Join through every other node (the first that answers adds this one), so any may be down.
            args.AddRange(bootstrap ? ["--bootstrap"] : ["--join", string.Join(",", cluster.Nodes.Where(n => n != this).Select(n => n.RaftAddress))]);
            if (cluster.LogDirectory is { } logs && _log is null)
            {
                Directory.CreateDirectory(logs);
                _log = new StreamWriter(Path.Combine(logs, Name + ".log"), append: true) { AutoFlush = true };
            }
            if (_log is not null)
            {
                lock (_log)
                {
                    _log.WriteLine($"=== {DateTime.UtcNow:HH:mm:ss.fff} starting {Name}: {string.Join(' ', args)}");
                }
            }
            var server = ServerProcess.Launch(DataDirectory, args, cluster.Environment, _log);
            Server = server;
            server.Process.Exited += (_, _) =>
            {
                if (!ReferenceEquals(Volatile.Read(ref _stopping), server))
                {
                    var tail = string.Join('\n', server.Output.Split('\n').TakeLast(15));
                    Crashes.Enqueue($"{Name} (pid {server.Process.Id}) exited by itself at {DateTime.UtcNow:HH:mm:ss.fff} with code {server.Process.ExitCode}; its last lines:\n{tail}");
                }
            };
            await server.WaitForReadyAsync();
            Proxy.TargetPort = int.Parse(PeerPortLine().Match(Server.Output).Groups[1].Value);
            _redis = null;
        }

        public async Task RestartAsync()
        {
            if (Server is not null)
            {
                Volatile.Write(ref _stopping, Server);
                await Server.DisposeAsync();
            }
            await StartAsync(bootstrap: false);
        }

        /// <summary>Kills the node, wipes its data directory and starts it empty: it joins again as a new member.</summary>
        public async Task WipeAndRejoinAsync()
        {
            Kill();
            await Server!.DisposeAsync();
            if (Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            await StartAsync(bootstrap: false);
        }

        public void Kill()
        {
            Volatile.Write(ref _stopping, Server);
            _redis?.Dispose();
            _redis = null;
            Server!.KillHard();
        }

        public IDatabase Db => (_redis ??= Server!.Connect(o => o.AbortOnConnectFail = false)).GetDatabase();

        /// <summary>RAFT.INFO as fields, or null when the node does not answer.</summary>
        public async Task<Dictionary<string, string>?> TryRaftInfoAsync()
        {
            if (!IsRunning)
            {
                return null;
            }
            try
            {
                var text = await Task.Run(() =>
                {
                    using var client = new RawClient(Port);
                    return client.Call("RAFT.INFO");
                });
                return InfoFields.Parse(text);
            }
            catch (Exception)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _redis?.Dispose();
            if (Server is not null)
            {
                Volatile.Write(ref _stopping, Server);
                await Server.DisposeAsync();
                // For a failure's post-mortem: CAIRN_TEST_LOGS=dir keeps each node's last output.
                if (System.Environment.GetEnvironmentVariable("CAIRN_TEST_LOGS") is { Length: > 0 } logs)
                {
                    Directory.CreateDirectory(logs);
                    await File.WriteAllTextAsync(Path.Combine(logs, $"{Name}.log"), Server.Output);
                }
            }
            if (_log is not null)
            {
                await _log.DisposeAsync();
            }
            await Proxy.DisposeAsync();
        }
    }
}
