namespace Cairn.Server.Tests;

/// <summary>
/// A data directory written by an earlier build (TestData/written-by-e1fd4ed: a single node's Raft log and RocksDB
/// store, made with scripts/cluster.sh -n 1 and redis-cli before the data types' log envelope) still opens, and its
/// log alone replays to the same state. It guards every change to the log's entries and the store's records.
/// </summary>
public sealed class UpgradeTests
{
    private static readonly (string Key, string Value)[] Expected =
    [
        ("s:plain", "written before the data types!"),
        ("s:ttl", "expires in 2100"),
        ("m:a", "1"),
        ("m:b", "2"),
        ("n:count", "25"),
        ("f:x", "1.5"),
        ("s:range", "\0\0\0abc"),
    ];

    [Fact]
    public async Task ADataDirectoryOfAnEarlierBuildOpensAndItsLogAloneReplaysToTheSameState()
    {
        var directory = ServerProcess.NewDataDirectory();
        Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "written-by-e1fd4ed"), directory);
        try
        {
            await using (var server = await ServerProcess.StartAsync(directory))
            {
                Check(server);
            }
            // Without its store the node rebuilds the state from the log, entry by entry, as written then.
            Directory.Delete(Path.Combine(directory, "db"), recursive: true);
            await using (var server = await ServerProcess.StartAsync(directory))
            {
                Check(server);
                using var client = server.Raw();
                Assert.Equal("+OK", client.Call("SET", "after", "upgrade"));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Check(ServerProcess server)
    {
        using var client = server.Raw();
        foreach (var (key, value) in Expected)
        {
            Assert.Equal("$" + value, client.Call("GET", key));
        }
        Assert.Equal(":7", client.Call("DBSIZE"));
        Assert.Equal(":4102444800", client.Call("EXPIRETIME", "s:ttl"));
        Assert.Equal("$nil", client.Call("GET", "s:gone"));
        Assert.Equal("$nil", client.Call("GET", "m:c"));
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
