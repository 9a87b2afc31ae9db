namespace Cairn.Replication;

/// <summary>
/// Carries opaque payloads between nodes; the replication layer owns what they mean (see Wire/).
/// Implementations keep connections, reconnect with back-off, and never block the caller.
/// </summary>
public interface IPeerTransport
{
    /// <summary>This node's id and the address peers reach it at (sent in the connection handshake).</summary>
    void Start(MemberInfo self, IPeerHandler handler);

    /// <summary>Where to reach peers: merged into the address book (peers also introduce themselves when they connect).</summary>
    void SetAddresses(IEnumerable<(ulong Id, string Address)> peers);

    /// <summary>
    /// Queues a one-way payload (a batch of Raft messages) for a peer. Copies what it needs before returning.
    /// Dropped, not queued without bound, when the peer is unknown, unreachable or too far behind: Raft retries.
    /// </summary>
    void Send(ulong to, ReadOnlySpan<byte> payload);

    /// <summary>Sends a request to the node at <paramref name="address"/> and awaits its response.</summary>
    /// <exception cref="PeerUnavailableException">Not connected, or no response in time: the outcome is unknown.</exception>
    Task<byte[]> RequestAsync(string address, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>The address a peer is known by, if any.</summary>
    string? AddressOf(ulong id);

    /// <summary>Connections refused since start because the peer failed the handshake.</summary>
    long RefusedPeers { get; }
}

/// <summary>What the transport calls on inbound traffic, from its own threads.</summary>
public interface IPeerHandler
{
    /// <summary>A one-way payload from <paramref name="from"/>. Throws FormatException for garbage (the transport logs and drops the connection).</summary>
    void OnMessage(ulong from, ReadOnlySpan<byte> payload);

    /// <summary>A request; the returned bytes are the response.</summary>
    Task<byte[]> OnRequestAsync(ulong from, byte[] payload);
}

/// <summary>A peer could not be reached, or did not answer in time.</summary>
/// <param name="sent">Whether the request may have reached the peer; when false, it certainly did not (the outcome is known: nothing happened).</param>
public sealed class PeerUnavailableException(string message, bool sent = true) : Exception(message)
{
    public bool Sent { get; } = sent;
}
