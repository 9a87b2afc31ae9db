using System.Net.Sockets;
using System.Text;
using Cairn.Resp;

namespace Cairn.Cluster.Tests;

/// <summary>
/// COMMAND INFO of every command Cairn serves that Redis 7.0 also has, against Debian's redis-server: name, arity,
/// flags, first key, last key, step and ACL categories, subcommands included, as client libraries and cluster-aware
/// proxies read them.
/// </summary>
public sealed class CommandMetadataTests
{
    [Fact]
    public async Task EveryCommandsInfoIsRedissForTheCommandsRedisHas()
    {
        using var redis = RedisServer.Start();
        await using var cluster = await LocalCluster.StartAsync(1);
        var node = await cluster.WaitForLeaderAsync();
        using var cairn = new Connection(node.Port);
        using var reference = new Connection(redis.Port);
        var names = cairn.Call("COMMAND", "LIST").Items!.Select(i => i.AsText()).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("lmpop", names);
        var differences = new List<string>();
        var compared = 0;
        foreach (var name in names)
        {
            var theirs = reference.Call("COMMAND", "INFO", name).Items![0];
            if (theirs.Kind == RespKind.Null)
            {
                continue; // Cairn's own (RAFT.*)
            }
            compared++;
            var ours = cairn.Call("COMMAND", "INFO", name).Items![0];
            var (mine, redisOwn) = (Core(ours), Core(theirs));
            if (mine != redisOwn)
            {
                differences.Add($"{name}\n  cairn: {mine}\n  redis: {redisOwn}");
            }
            // Subcommands Redis 7.0 has (CLIENT SETINFO is 7.2's: clients send it, Cairn takes it).
            var redisSubs = Subcommands(theirs).ToDictionary(s => s.Items![0].AsText(), Core);
            foreach (var sub in Subcommands(ours).Where(s => redisSubs.ContainsKey(s.Items![0].AsText())))
            {
                if (Core(sub) != redisSubs[sub.Items![0].AsText()])
                {
                    differences.Add($"{name} subcommand\n  cairn: {Core(sub)}\n  redis: {redisSubs[sub.Items![0].AsText()]}");
                }
            }
        }
        Assert.True(compared > 140, $"only {compared} commands compared");
        Assert.True(differences.Count == 0, $"{differences.Count} commands differ from Redis's COMMAND INFO:\n{string.Join('\n', differences)}");
    }

    /// <summary>name arity [flags] first last step [categories], flags and categories sorted.</summary>
    private static string Core(RespValue info)
    {
        var items = info.Items!;
        string Sorted(RespValue set) => string.Join(',', set.Items!.Select(i => i.AsText()).Order(StringComparer.Ordinal));
        return $"{items[0].AsText()} {items[1].Integer} [{Sorted(items[2])}] {items[3].Integer} {items[4].Integer} {items[5].Integer} [{Sorted(items[6])}]";
    }

    private static IEnumerable<RespValue> Subcommands(RespValue info) => info.Items!.Count > 9 ? info.Items[9].Items! : [];

    private sealed class Connection : IDisposable
    {
        private readonly TcpClient _client;
        private readonly RespReplyReader _reader;

        public Connection(int port)
        {
            _client = new TcpClient();
            _client.Connect("127.0.0.1", port);
            _client.GetStream().ReadTimeout = 10_000;
            _reader = new RespReplyReader(_client.GetStream());
        }

        public RespValue Call(params string[] args)
        {
            _client.GetStream().Write(Encoding.UTF8.GetBytes(RawClient.Encode(args)));
            return _reader.Read();
        }

        public void Dispose() => _client.Dispose();
    }
}
