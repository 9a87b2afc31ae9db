using System.Net;
using Cairn.Replication;

namespace Cairn.Server.Connections;

/// <summary>Per-connection state visible to commands and to CLIENT LIST.</summary>
public sealed class ClientSession(long id, EndPoint? remote, EndPoint? local, long createdMilliseconds)
{
    public long Id { get; } = id;

    public string Address { get; } = Format(remote);

    public string LocalAddress { get; } = Format(local);

    public long CreatedMilliseconds { get; } = createdMilliseconds;

    public long LastCommandMilliseconds { get; set; } = createdMilliseconds;

    public string LastCommand { get; set; } = "NULL";

    public string? Name { get; set; }

    public string? LibName { get; set; }

    public string? LibVersion { get; set; }

    public int Protocol { get; set; } = 2;

    /// <summary>READONLY switches a connection to local, possibly stale reads; READWRITE back.</summary>
    public ReadConsistency Consistency { get; set; } = ReadConsistency.Linearizable;

    /// <summary>Set by QUIT or by an error that ends the connection: close once replies are flushed.</summary>
    public bool CloseAfterReply { get; set; }

    public long QueryBufferBytes { get; set; }

    /// <summary>Set once the client went over its output-buffer limit: it is closed without the rest of its replies.</summary>
    public volatile bool OutputLimitReached;

    /// <summary>The limit's class ("normal", "pubsub") and the unsent bytes when <see cref="OutputLimitReached"/> was set, for the log.</summary>
    public string OutputLimitClass { get; set; } = "normal";

    public long OutputLimitBytes { get; set; }

    /// <summary>The blocking command this client waits in, if any (CLIENT LIST's b, CLIENT UNBLOCK).</summary>
    public volatile BlockedClients.Waiting? BlockedBy;

    /// <summary>Ends when the client's side of the connection closes: what a blocked client's wait watches.</summary>
    public CancellationToken Closed { get; set; }

    /// <summary>Pops written to the client and not yet acknowledged to the log: acknowledged after the next flush.</summary>
    public List<byte[]> PendingAcks { get; } = [];

    /// <summary>Subscriptions and the messages waiting to be written (pub/sub).</summary>
    public ClientPubSub PubSub { get; } = new();

    /// <summary>Since when (Unix ms) the unsent replies have been over the soft output-buffer limit; 0 when not.</summary>
    public long OutputOverSoftSince { get; set; }

    /// <summary>Set once a flush was cancelled (CLIENT KILL, shutdown) or the client's side closed: nothing more is written.</summary>
    public bool OutputEnded { get; set; }

    /// <summary>Whether replies wait for the client to read (a flush held by back-pressure): CLIENT LIST's events=rw.</summary>
    public volatile bool WaitingToWrite;

    /// <summary>Set when the connection is to close (CLIENT KILL, an output limit, shutdown): a cancelled read ends it.</summary>
    public volatile bool Closing;

    /// <summary>Asks the connection to close (CLIENT KILL, shutdown).</summary>
    public Action? Kill { get; set; }

    private static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => $"{(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address)}:{ip.Port}",
        null => "",
        _ => endPoint.ToString() ?? "",
    };
}
