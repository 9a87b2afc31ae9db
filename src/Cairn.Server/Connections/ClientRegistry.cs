using System.Collections.Concurrent;

namespace Cairn.Server.Connections;

/// <summary>The connected clients, for CLIENT LIST, INFO clients and maxclients.</summary>
public sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<long, ClientSession> _clients = new();
    private long _nextId;

    public int Count => _clients.Count;

    public long NextId() => Interlocked.Increment(ref _nextId);

    public void Add(ClientSession session) => _clients[session.Id] = session;

    public void Remove(ClientSession session) => _clients.TryRemove(session.Id, out _);

    public IEnumerable<ClientSession> All => _clients.Values.OrderBy(c => c.Id);

    public ClientSession? Find(long id) => _clients.GetValueOrDefault(id);
}
