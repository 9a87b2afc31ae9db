namespace Cairn.Api.Tests;

/// <summary>One 3-node cluster shared by the tests of a class (none of them kills or partitions a node).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await LocalCluster.StartAsync(3);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public async Task<LocalCluster.Node> FollowerAsync()
    {
        var leader = await Cluster.WaitForLeaderAsync();
        return Cluster.Nodes.First(n => n != leader);
    }

    public static HttpClient Http(LocalCluster.Node node) => new() { BaseAddress = node.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
}
