using StackExchange.Redis;

namespace Cairn.Server.Tests;

/// <summary>One server shared by the tests of a class; tests keep to their own keys.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public IDatabase Db => Server.Redis.GetDatabase();

    public async Task InitializeAsync() => Server = await ServerProcess.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
