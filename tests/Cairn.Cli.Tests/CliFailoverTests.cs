namespace Cairn.Cli.Tests;

/// <summary>The CLI moving on when the node it talks to dies.</summary>
public sealed class CliFailoverTests : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task AWatchResumesOnTheNextServerWithoutLosingOrRepeatingAChange()
    {
        var leader = await _cluster.WaitForLeaderAsync();
        var watched = _cluster.Nodes.First(n => n != leader);
        var spare = _cluster.Nodes.First(n => n != leader && n != watched);
        await leader.Db.StringSetAsync("fo/0", "first");
        var servers = $"{watched.GrpcUri.Authority},{spare.GrpcUri.Authority}";
        using var watch = CliProcess.Start(["watch", "fo/", "--from", "1", "--server", servers]);
        var lines = new List<string>();
        var reading = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            }
        });
        int Count()
        {
            lock (lines)
            {
                return lines.Count;
            }
        }
        await Poll.UntilAsync(() => Task.FromResult(Count() >= 1), TimeSpan.FromSeconds(20), "the first change");

        watched.Kill();
        for (var i = 1; i <= 3; i++)
        {
            await leader.Db.StringSetAsync($"fo/{i}", $"v{i}");
        }
        await Poll.UntilAsync(() => Task.FromResult(Count() >= 4), TimeSpan.FromSeconds(30), "the changes after the kill");
        watch.Kill();
        await reading;
        var changes = lines.Select(l => string.Join(' ', l.Split(' ').Skip(1))).ToList();
        Assert.Equal(["PUT fo/0 first", "PUT fo/1 v1", "PUT fo/2 v2", "PUT fo/3 v3"], changes);
        var error = await watch.StandardError.ReadToEndAsync();
        Assert.DoesNotContain("Unhandled", error);
    }
}
