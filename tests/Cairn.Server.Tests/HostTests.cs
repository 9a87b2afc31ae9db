using StackExchange.Redis;

namespace Cairn.Server.Tests;

public class HostTests
{
    [Theory]
    [InlineData(new[] { "--port", "abc" }, "port must be a number")]
    [InlineData(new[] { "--log-level", "loud" }, "log level must be one of")]
    [InlineData(new[] { "--bind", "not-an-ip" }, "is not an IP address")]
    [InlineData(new[] { "--no-such-flag" }, "--no-such-flag")]
    [InlineData(new[] { "--node-id", "bad id!" }, "node_id may hold only")]
    [InlineData(new[] { "--join", "nowhere" }, "join must be host:port")]
    [InlineData(new[] { "--raft-addr", "127.0.0.1:99999" }, "raft address must be host:port")]
    [InlineData(new[] { "--bootstrap", "--join", "127.0.0.1:7000" }, "bootstrap and join are exclusive")]
    [InlineData(new[] { "--port", "60000" }, "60000 + 10000 is past 65535")]
    [InlineData(new[] { "--http-port", "http" }, "--http-port: port must be a number")]
    [InlineData(new[] { "--grpc-addr", "nowhere" }, "grpc_addr must be host:port")]
    public async Task BadFlagsExitWithCode2AndOneLine(string[] args, string message)
    {
        await using var server = ServerProcess.Launch(args: args);
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("cairn-server: ", lines[0]);
        Assert.Contains(message, lines[0]);
    }

    [Theory]
    [InlineData("server_addr = \"127.0.0.1:0\"\nbogus = 1\n", "unknown key 'bogus'")]
    [InlineData("[rocksdb]\nmax_open_files = \"many\"\n", "'[rocksdb] max_open_files' must be an integer")]
    [InlineData("server_addr = \n", "is not valid TOML")]
    [InlineData("server_addr = \"nope\"\n", "server_addr must be host:port")]
    [InlineData("[raft]\nelection_timeout = 100\nheartbeat_interval = 100\n", "must be at least twice the heartbeat interval")]
    [InlineData("[raft]\njoin = \"10.0.0.1:16379\"\n", "'[raft] join' must be an array of strings")]
    [InlineData("[raft]\nbootstrap = \"yes\"\n", "'[raft] bootstrap' must be true or false")]
    [InlineData("http_addr = \"localhost\"\n", "http_addr must be host:port")]
    public async Task BadConfigFilesExitWithCode2(string toml, string message)
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, toml);
        try
        {
            await using var server = ServerProcess.Launch(args: ["--config", file]);
            Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(message, server.Output);
            Assert.Single(server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task FileThenEnvironmentThenFlags()
    {
        var directory = ServerProcess.NewDataDirectory();
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, $"""
            node_id = "from-file"
            server_addr = "127.0.0.1:0"
            http_addr = "off"
            grpc_addr = "127.0.0.1:0"

            [rocksdb]
            data_path = "{directory}"
            max_open_files = 321

            [log]
            level = "warn"

            [limits]
            proto_max_bulk_len = "8mb"
            """);
        try
        {
            var environment = new Dictionary<string, string> { ["CAIRN_LOG_LEVEL"] = "info", ["CAIRN_NODE_ID"] = "from-env", ["CAIRN_HTTP_ADDR"] = "127.0.0.1:1" };
            await using var server = await ServerProcess.StartAsync(directory, ["--config", file, "--node-id", "from-flag", "--http-port", "0"], environment);
            Assert.Contains("node_id=from-flag", server.Output);
            // http_addr: file "off", environment 127.0.0.1:1, flag port 0 → a free port on 127.0.0.1.
            Assert.Matches(@"http_addr=127\.0\.0\.1:0 ", server.Output);
            Assert.NotEqual(0, server.HttpPort);
            Assert.NotEqual(0, server.GrpcPort);
            Assert.Contains("log_level=info", server.Output);
            Assert.Contains("max_open_files=321", server.Output);
            var db = server.Redis.GetDatabase();
            Assert.Contains("cairn_node_id:from-flag", (string)(await db.ExecuteAsync("INFO", "server"))!);
            Assert.Equal("8388608", server.Redis.GetServer("127.0.0.1", server.Port).ConfigGet("proto-max-bulk-len").Single().Value);
            Assert.Equal("from-flag", (await File.ReadAllTextAsync(Path.Combine(directory, "node_id"))).Trim());
        }
        finally
        {
            File.Delete(file);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ApiPortFlagsTakeOffAndAShortClusterSecretIsRefused()
    {
        await using (var server = await ServerProcess.StartAsync(args: ["--http-port", "off", "--grpc-port", "OFF"]))
        {
            Assert.Equal(0, server.HttpPort);
            Assert.Equal(0, server.GrpcPort);
            Assert.Contains("http_addr=off grpc_addr=off", server.Output);
            Assert.Contains("takes peers from loopback only", server.Output);
        }
        var secret = Path.GetTempFileName();
        try
        {
            File.WriteAllText(secret, "too short\n");
            await using var refused = ServerProcess.Launch(args: ["--cluster-secret-file", secret]);
            Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("holds 9 bytes; at least 16 are needed", refused.Output);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public async Task ANodeBootstrappingANewClusterGeneratesAMissingSecretAndNoOtherNodeDoes()
    {
        var directory = ServerProcess.NewDataDirectory();
        var secret = Path.Combine(Path.GetTempPath(), "cairn-secret-" + Guid.NewGuid().ToString("N"));
        try
        {
            // A node that joins never makes one: it would not match the cluster's.
            await using (var joiner = ServerProcess.Launch(args: ["--cluster-secret-file", secret, "--join", "127.0.0.1:1"]))
            {
                Assert.Equal(2, await joiner.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                Assert.Contains($"cluster secret file '{secret}'", joiner.Output);
                Assert.False(File.Exists(secret));
            }
            await using (var first = await ServerProcess.StartAsync(directory, ["--cluster-secret-file", secret]))
            {
                Assert.Contains("Generated a new cluster secret in", first.Output);
                Assert.Matches("^[0-9a-f]{64}$", File.ReadAllText(secret).Trim());
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
                }
                Assert.Equal("PONG", (await first.Redis.GetDatabase().ExecuteAsync("PING")).ToString());
            }
            // Restarted with the file gone, the node does not make a new one behind its cluster's back.
            var generated = File.ReadAllText(secret);
            File.Delete(secret);
            await using (var restarted = ServerProcess.Launch(directory, ["--cluster-secret-file", secret]))
            {
                Assert.Equal(2, await restarted.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                Assert.False(File.Exists(secret));
            }
            File.WriteAllText(secret, generated);
            await using (var again = await ServerProcess.StartAsync(directory, ["--cluster-secret-file", secret]))
            {
                Assert.DoesNotContain("Generated a new cluster secret", again.Output);
                Assert.Equal(generated, File.ReadAllText(secret));
            }
        }
        finally
        {
            File.Delete(secret);
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task RefusesADataDirectoryAnotherProcessHolds()
    {
        await using var first = await ServerProcess.StartAsync();
        await using var second = ServerProcess.Launch(first.DataDirectory);
        Assert.Equal(1, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("is in use by another process", second.Output);
        Assert.Equal("PONG", (await first.Redis.GetDatabase().ExecuteAsync("PING")).ToString());
    }

    /// <summary>
    /// One flipped byte in an early batch of the active log segment: the node refuses to start and says where
    /// (it used to cut the log there as if it were a torn tail, forgetting every acknowledged write after it);
    /// --repair-wal starts it, saying what it cut.
    /// </summary>
    [Fact]
    public async Task ADamagedLogStopsTheStartAndRepairWalSaysWhatItCuts()
    {
        var directory = ServerProcess.NewDataDirectory();
        try
        {
            await using (var server = await ServerProcess.StartAsync(directory))
            {
                var db = server.Redis.GetDatabase();
                Assert.True(await db.StringSetAsync("early", "marker-of-an-early-batch"));
                for (var i = 0; i < 50; i++)
                {
                    Assert.True(await db.StringSetAsync($"later{i}", "v"));
                }
                server.Terminate();
                Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }
            var segment = Directory.GetFiles(Path.Combine(directory, "raft"), "*.wal").Order(StringComparer.Ordinal).Last();
            var bytes = File.ReadAllBytes(segment);
            var at = bytes.AsSpan().IndexOf("marker-of-an-early-batch"u8);
            Assert.True(at > 0);
            bytes[at + 3] ^= 0x20;
            File.WriteAllBytes(segment, bytes);

            await using (var refused = ServerProcess.Launch(directory))
            {
                Assert.Equal(1, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                Assert.Contains($"{Path.GetFileName(segment)}: damaged record at offset", refused.Output);
                Assert.Contains("--repair-wal", refused.Output);
            }
            await using (var repaired = await ServerProcess.StartAsync(directory, ["--repair-wal"]))
            {
                Assert.Matches(@"--repair-wal: .*damaged record at offset \d+.*: cut at offset \d+, \d+ bytes dropped", repaired.Output);
                Assert.Equal("PONG", (await repaired.Redis.GetDatabase().ExecuteAsync("PING")).ToString());
                // The store had applied past the cut: a sole node's log restarts there, so new writes are not
                // taken for applied ones (they were answered "entry already applied" and dropped).
                Assert.Contains("the log restarts there", repaired.Output);
                Assert.Equal("v", (string?)await repaired.Redis.GetDatabase().StringGetAsync("later49"));
                Assert.True(await repaired.Redis.GetDatabase().StringSetAsync("after-repair", "ok"));
                Assert.Equal("ok", (string?)await repaired.Redis.GetDatabase().StringGetAsync("after-repair"));
                repaired.Terminate();
                Assert.Equal(0, await repaired.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }
            await using (var restarted = await ServerProcess.StartAsync(directory))
            {
                Assert.Equal("ok", (string?)await restarted.Redis.GetDatabase().StringGetAsync("after-repair"));
                Assert.Equal("v", (string?)await restarted.Redis.GetDatabase().StringGetAsync("later0"));
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task RefusesAnotherNodesDataDirectory()
    {
        var directory = ServerProcess.NewDataDirectory();
        try
        {
            await using (var first = await ServerProcess.StartAsync(directory, ["--node-id", "alpha"]))
            {
                first.Terminate();
                await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            await using var second = ServerProcess.Launch(directory, ["--node-id", "beta"]);
            Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("belongs to node 'alpha'", second.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task SigtermShutsDownGracefullyWithConnectedClients()
    {
        await using var server = await ServerProcess.StartAsync();
        var db = server.Redis.GetDatabase();
        await db.StringSetAsync("k", "v");
        using var idle = server.Raw();
        Assert.Equal("+PONG", idle.Call("PING"));
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Stopped; store closed cleanly", server.Output);
    }

    [Fact]
    public async Task ReportsAPortInUse()
    {
        await using var first = await ServerProcess.StartAsync();
        await using var second = ServerProcess.Launch(args: ["--port", first.Port.ToString()]);
        Assert.Equal(1, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"cannot listen on 127.0.0.1:{first.Port}", second.Output);
    }
}
