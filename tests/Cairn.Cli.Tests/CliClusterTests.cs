using System.Text.Json;

namespace Cairn.Cli.Tests;

/// <summary>One 3-node cluster for the CLI tests of a class.</summary>
public sealed class CliClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await LocalCluster.StartAsync(3);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>The cairn CLI as a process against a real cluster, over each protocol.</summary>
public sealed class CliClusterTests(CliClusterFixture fixture) : IClassFixture<CliClusterFixture>
{
    private LocalCluster Cluster => fixture.Cluster;

    private static string Resp(LocalCluster.Node node) => $"127.0.0.1:{node.Port}";

    private static string Http(LocalCluster.Node node) => node.HttpUri.Authority;

    private static string Grpc(LocalCluster.Node node) => node.GrpcUri.Authority;

    [Theory]
    [InlineData("resp")]
    [InlineData("http")]
    [InlineData("grpc")]
    public async Task PutGetListAndDeleteOverEachProtocol(string protocol)
    {
        var leader = await Cluster.WaitForLeaderAsync();
        var follower = Cluster.Nodes.First(n => n != leader);
        string Server(LocalCluster.Node n) => protocol switch { "http" => Http(n), "grpc" => Grpc(n), _ => Resp(n) };
        string[] Args(LocalCluster.Node n, params string[] args) => [.. args, "--protocol", protocol, "--server", Server(n)];
        var prefix = $"cli-{protocol}/";

        var put = await CliProcess.RunAsync(Args(follower, "put", prefix + "a", "hello world", "--ttl", "600"));
        Assert.Equal(0, put.ExitCode);
        Assert.StartsWith("OK", put.Output);
        Assert.Equal(0, (await CliProcess.RunAsync(Args(leader, "put", prefix + "b", "2"))).ExitCode);

        var get = await CliProcess.RunAsync(Args(leader, "get", prefix + "a"));
        Assert.Equal("hello world", get.Output.Trim());
        var json = await CliProcess.RunAsync(Args(follower, "get", prefix + "a", "--format", "json"));
        var item = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal("hello world", item.GetProperty("value").GetString());
        Assert.True(item.GetProperty("expiresAt").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (protocol != "resp")
        {
            Assert.True(item.GetProperty("revision").GetInt64() > 0);
        }
        Assert.Equal("(nil)", (await CliProcess.RunAsync(Args(follower, "get", prefix + "missing"))).Output.Trim());

        var list = await CliProcess.RunAsync(Args(follower, "list", prefix, "--format", "json"));
        var keys = JsonDocument.Parse(list.Output).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("key").GetString()).Order().ToList();
        Assert.Equal([prefix + "a", prefix + "b"], keys);

        var delete = await CliProcess.RunAsync(Args(follower, "delete", prefix + "b"));
        Assert.True(delete.Output.Trim() == "(integer) 1", $"delete printed '{delete.Output.Trim()}', exit code {delete.ExitCode}, stderr: {delete.Error}");
        Assert.Equal("(nil)", (await CliProcess.RunAsync(Args(leader, "get", prefix + "b"))).Output.Trim());
    }

    [Theory]
    [InlineData("resp")]
    [InlineData("http")]
    public async Task ClusterStatusShowsEveryMemberAndHealthChecksEachServer(string protocol)
    {
        var leader = await Cluster.WaitForLeaderAsync();
        string Server(LocalCluster.Node n) => protocol == "http" ? Http(n) : Resp(n);
        var status = await CliProcess.RunAsync(["cluster", "status", "--format", "json", "--protocol", protocol, "--server", Server(leader)]);
        Assert.Equal(0, status.ExitCode);
        var view = JsonDocument.Parse(status.Output).RootElement;
        Assert.Equal(leader.Name, view.GetProperty("leader").GetString());
        Assert.Equal(["node1", "node2", "node3"], view.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()).Order());

        var table = await CliProcess.RunAsync(["cluster", "status", "--protocol", protocol, "--server", Server(leader)]);
        Assert.Contains($"leader {leader.Name}", table.Output);
        Assert.Contains($"{leader.Name} *", table.Output);

        var all = string.Join(',', Cluster.Nodes.Select(Server));
        var healthy = await CliProcess.RunAsync(["health", "--protocol", protocol, "--server", all]);
        Assert.Equal(0, healthy.ExitCode);
        Assert.Equal(3, healthy.Output.Split('\n').Count(l => l.Contains(": ready", StringComparison.Ordinal)));

        var withDead = await CliProcess.RunAsync(["health", "--protocol", protocol, "--server", all + ",127.0.0.1:1"]);
        Assert.Equal(1, withDead.ExitCode);
        Assert.Contains("127.0.0.1:1: not ready", withDead.Output);
    }

    [Fact]
    public async Task ADeadServerInTheListIsSkipped()
    {
        var node = Cluster.Nodes[1];
        var result = await CliProcess.RunAsync(["put", "skip-dead", "ok", "--server", $"127.0.0.1:1,{Resp(node)}"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("ok", (await CliProcess.RunAsync(["get", "skip-dead", "--server", Resp(Cluster.Nodes[2])])).Output.Trim());
        var none = await CliProcess.RunAsync(["get", "skip-dead", "--server", "127.0.0.1:1", "--timeout", "2"]);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("cannot reach 127.0.0.1:1", none.Error);
    }

    [Fact]
    public async Task ErrorsAreTheServersWordsWithExitCodeOne()
    {
        var node = Cluster.Nodes[0];
        await node.Db.StringSetAsync("not-a-number", "x");
        var usage = await CliProcess.RunAsync(["put"]);
        Assert.Equal(2, usage.ExitCode);
        var badTtl = await CliProcess.RunAsync(["put", "k", "v", "--ttl", "-5", "--server", Resp(node)]);
        Assert.Equal(1, badTtl.ExitCode);
        Assert.Contains("--ttl must be a positive number of seconds", badTtl.Error);
        var watchOverResp = await CliProcess.RunAsync(["watch", "--protocol", "resp", "--server", Resp(node)]);
        Assert.Equal(1, watchOverResp.ExitCode);
        Assert.Contains("watch streams over gRPC", watchOverResp.Error);
        var clusterOverGrpc = await CliProcess.RunAsync(["cluster", "status", "--protocol", "grpc", "--server", Grpc(node)]);
        Assert.Equal(1, clusterOverGrpc.ExitCode);
        Assert.Contains("not part of the gRPC API", clusterOverGrpc.Error);
    }

    [Fact]
    public async Task TheReplRunsCairnAndRawRedisCommandsAndPrintsRedisStyleReplies()
    {
        var node = Cluster.Nodes[2];
        var script = string.Join('\n',
            "put repl-key \"two words\"",
            "get repl-key",
            "SET repl-raw 5",
            "INCR repl-raw",
            "MGET repl-key repl-raw repl-none",
            "get \"unbalanced",
            "NOSUCHCOMMAND a",
            "list repl-",
            "exit") + "\n";
        var result = await CliProcess.RunAsync(["repl", "--server", Resp(node)], script);
        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains("OK", lines);
        Assert.Contains("\"two words\"", lines);
        Assert.Contains("(integer) 6", lines);
        Assert.Contains("1) \"two words\"", lines);
        Assert.Contains("2) \"6\"", lines);
        Assert.Contains("3) (nil)", lines);
        Assert.Contains("(error) ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' ", lines);
        Assert.Contains("Invalid argument(s)", result.Error);
        Assert.Contains(lines, l => l.Contains("repl-key", StringComparison.Ordinal) && l.Contains('│'));

        // Over HTTP, raw commands go to the node's RESP port.
        var overHttp = await CliProcess.RunAsync(["repl", "--protocol", "http", "--server", Http(node)], "get repl-key --stale\nGET repl-raw\nexit\n");
        Assert.Contains("two words", overHttp.Output);
        Assert.Contains("\"6\"", overHttp.Output);
    }

    [Fact]
    public async Task WatchPrintsChangesAsTheyCommit()
    {
        var leader = await Cluster.WaitForLeaderAsync();
        var follower = Cluster.Nodes.First(n => n != leader);
        await leader.Db.StringSetAsync("cli-watch/0", "before");
        var from = (await CliProcess.RunAsync(["get", "cli-watch/0", "--format", "json", "--protocol", "http", "--server", Http(leader)])).Output;
        var revision = JsonDocument.Parse(from).RootElement.GetProperty("revision").GetInt64();

        using var watch = CliProcess.Start(["watch", "cli-watch/", "--from", revision.ToString(), "--format", "json", "--server", Grpc(follower)]);
        var seen = new List<JsonElement>();
        var reading = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (seen)
                {
                    seen.Add(JsonDocument.Parse(line).RootElement);
                }
            }
        });
        await leader.Db.StringSetAsync("cli-watch/1", "one");
        await leader.Db.KeyDeleteAsync("cli-watch/0");
        await leader.Db.StringSetAsync("elsewhere", "not watched");
        await Poll.UntilAsync(() => Task.FromResult(Count() >= 3), TimeSpan.FromSeconds(20), "three changes");
        watch.Kill();
        await reading;

        int Count()
        {
            lock (seen)
            {
                return seen.Count;
            }
        }
        Assert.Equal(["PUT cli-watch/0 before", "PUT cli-watch/1 one", "DELETE cli-watch/0 "],
            seen.Take(3).Select(e => $"{e.GetProperty("type").GetString()} {e.GetProperty("key").GetString()} {e.GetProperty("value").GetString()}"));
        Assert.Equal(revision, seen[0].GetProperty("revision").GetInt64());
    }
}
