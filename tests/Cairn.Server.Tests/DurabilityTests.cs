using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cairn.Server.Tests;

public class DurabilityTests
{
    [Fact]
    public async Task EveryAcknowledgedWriteSurvivesKillMinus9()
    {
        var directory = ServerProcess.NewDataDirectory();
        try
        {
            var acknowledged = new ConcurrentDictionary<string, string>();
            long acknowledgedIncrements = 0;
            await using (var server = await ServerProcess.StartAsync(directory))
            {
                var db = server.Redis.GetDatabase();
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
                {
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        var key = $"w{w}:{i}";
                        try
                        {
                            await db.StringSetAsync(key, $"value-{i}");
                            acknowledged[key] = $"value-{i}";
                            await db.StringIncrementAsync("counter");
                            Interlocked.Increment(ref acknowledgedIncrements);
                        }
                        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
                        {
                            return;
                        }
                    }
                })).ToList();
                await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count >= 2000), TimeSpan.FromSeconds(60), "2000 acknowledged writes");
                server.KillHard();
                stop.Cancel();
                await Task.WhenAll(writers);
            }
            await using (var restarted = await ServerProcess.StartAsync(directory))
            {
                var db = restarted.Redis.GetDatabase();
                foreach (var (key, value) in acknowledged)
                {
                    Assert.Equal(value, (string?)await db.StringGetAsync(key));
                }
                // An INCR in flight at the kill may have been applied without its reply arriving.
                var counter = (long)await db.StringGetAsync("counter");
                Assert.InRange(counter, Interlocked.Read(ref acknowledgedIncrements), Interlocked.Read(ref acknowledgedIncrements) + 8);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TtlsAreAbsoluteAcrossRestarts()
    {
        var directory = ServerProcess.NewDataDirectory();
        try
        {
            long expireAt;
            await using (var server = await ServerProcess.StartAsync(directory))
            {
                var db = server.Redis.GetDatabase();
                await db.StringSetAsync("ttl", "v", TimeSpan.FromSeconds(300));
                await db.StringSetAsync("soon", "v", TimeSpan.FromMilliseconds(300));
                expireAt = (long)await db.ExecuteAsync("PEXPIRETIME", "ttl");
                server.Terminate();
                Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            }
            await using (var restarted = await ServerProcess.StartAsync(directory))
            {
                var db = restarted.Redis.GetDatabase();
                Assert.Equal(expireAt, (long)await db.ExecuteAsync("PEXPIRETIME", "ttl"));
                await Poll.UntilAsync(async () => !await db.KeyExistsAsync("soon"), TimeSpan.FromSeconds(10), "expiry after restart");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ASnapshotCompactsTheLogAndARestartRecoversFromIt()
    {
        var directory = ServerProcess.NewDataDirectory();
        // Snapshots every 100 entries, keeping 10 behind: the log is compacted long before the end.
        var environment = new Dictionary<string, string> { ["CAIRN_SNAPSHOT_ENTRIES"] = "100", ["CAIRN_SNAPSHOT_CATCHUP_ENTRIES"] = "10" };
        try
        {
            await using (var server = await ServerProcess.StartAsync(directory, environment: environment))
            {
                var db = server.Redis.GetDatabase();
                for (var i = 0; i < 350; i++)
                {
                    await db.StringSetAsync($"k{i}", $"v{i}");
                }
                Assert.Equal("OK", (string?)await db.ExecuteAsync("RAFT.SNAPSHOT"));
                var info = InfoFields.Parse((string)(await db.ExecuteAsync("RAFT.INFO"))!);
                var applied = long.Parse(info["last_applied_index"]);
                Assert.Equal(applied, long.Parse(info["snapshot_last_idx"]));
                Assert.Equal(applied - 10, long.Parse(info["first_index"]) - 1);
                Assert.True(long.Parse(info["snapshots_created"]) >= 4, info["snapshots_created"]);
                server.KillHard();
            }
            await using (var restarted = await ServerProcess.StartAsync(directory, environment: environment))
            {
                var db = restarted.Redis.GetDatabase();
                Assert.Equal(350, (long)await db.ExecuteAsync("DBSIZE"));
                Assert.Equal("v0", (string?)await db.StringGetAsync("k0"));
                Assert.Equal("v349", (string?)await db.StringGetAsync("k349"));
                Assert.True(await db.StringSetAsync("after", "restart"));
                Assert.Equal("restart", (string?)await db.StringGetAsync("after"));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
