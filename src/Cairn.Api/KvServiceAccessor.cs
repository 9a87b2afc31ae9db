using Cairn.Replication;

namespace Cairn.Api;

/// <summary>
/// The node's <see cref="IKvService"/>, which exists only once the node's listeners are up (the RESP port is part
/// of its member record): requests that arrive first wait for it.
/// </summary>
public sealed class KvServiceAccessor(Task<IKvService> service)
{
    public Task<IKvService> Service { get; } = service;

    /// <summary>The service if it is ready, else null (health checks must not wait).</summary>
    public IKvService? IfReady => Service.IsCompletedSuccessfully ? Service.Result : null;
}
