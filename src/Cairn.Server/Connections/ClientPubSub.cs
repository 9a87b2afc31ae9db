using System.Collections.Concurrent;
using Cairn.Resp;

namespace Cairn.Server.Connections;

/// <summary>A pub/sub message for one client: "message", "pmessage" (with the pattern that matched) or "smessage".</summary>
internal readonly record struct PushMessage(PushKind Kind, byte[]? Pattern, byte[] Channel, byte[] Message)
{
    /// <summary>About what it takes on the wire: what the output-buffer limit counts while it waits.</summary>
    public long Bytes => Channel.Length + Message.Length + (Pattern?.Length ?? 0) + 48;

    public void WriteTo(RespWriter writer)
    {
        writer.WritePushHeader(Kind == PushKind.PatternMessage ? 4 : 3);
        writer.WriteBulk(Kind switch
        {
            PushKind.Message => "message"u8,
            PushKind.PatternMessage => "pmessage"u8,
            _ => "smessage"u8,
        });
        if (Pattern is not null)
        {
            writer.WriteBulk(Pattern);
        }
        writer.WriteBulk(Channel);
        writer.WriteBulk(Message);
    }
}

internal enum PushKind : byte
{
    Message,
    PatternMessage,
    ShardMessage,
}

/// <summary>
/// One client's pub/sub side: what it is subscribed to, in the order it subscribed (changed only by its own
/// connection, under <see cref="Subscriptions"/>' lock), and its outbox of messages not written yet, filled by the
/// delivery on the apply thread and emptied by the connection, which <see cref="Wake"/> calls when the outbox
/// stops being empty.
/// </summary>
public sealed class ClientPubSub
{
    internal OrderedDictionary<byte[], bool> Channels { get; } = new(BytesComparer.Instance);

    internal OrderedDictionary<byte[], bool> Patterns { get; } = new(BytesComparer.Instance);

    internal OrderedDictionary<byte[], bool> ShardChannels { get; } = new(BytesComparer.Instance);

    private readonly ConcurrentQueue<PushMessage> _outbox = new();
    private long _outboxBytes;
    private int _wakeRequested;

    /// <summary>Channels and patterns: what SUBSCRIBE's and PSUBSCRIBE's replies count.</summary>
    public int Count => Channels.Count + Patterns.Count;

    /// <summary>In subscribed mode (Redis's CLIENT_PUBSUB): subscribed to anything, shard channels included.</summary>
    public bool IsSubscribed => Channels.Count + Patterns.Count + ShardChannels.Count > 0;

    /// <summary>Bytes of messages waiting in the outbox.</summary>
    public long OutboxBytes => Interlocked.Read(ref _outboxBytes);

    public bool HasOutbox => !_outbox.IsEmpty;

    /// <summary>Since when (Unix ms) the outbox has been over the soft pubsub limit; 0 when not (delivery's own clock).</summary>
    internal long OverSoftSince { get; set; }

    /// <summary>Set by the connection: wakes its loop to write the outbox.</summary>
    public Action? Wake { get; set; }

    internal void Enqueue(in PushMessage message)
    {
        _outbox.Enqueue(message);
        Interlocked.Add(ref _outboxBytes, message.Bytes);
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            Wake?.Invoke();
        }
    }

    /// <summary>Writes waiting messages until about <paramref name="maxBytes"/> are written; whether more are left.</summary>
    internal bool WriteOutbox(RespWriter writer, long maxBytes)
    {
        Volatile.Write(ref _wakeRequested, 0);
        long written = 0;
        while (written < maxBytes && _outbox.TryDequeue(out var message))
        {
            message.WriteTo(writer);
            written += message.Bytes;
            Interlocked.Add(ref _outboxBytes, -message.Bytes);
        }
        return !_outbox.IsEmpty;
    }

    /// <summary>Drops what is waiting (the client is gone or reset).</summary>
    internal void ClearOutbox()
    {
        while (_outbox.TryDequeue(out var message))
        {
            Interlocked.Add(ref _outboxBytes, -message.Bytes);
        }
    }
}

/// <summary>Channel names compared by their bytes.</summary>
internal sealed class BytesComparer : IEqualityComparer<byte[]>
{
    public static readonly BytesComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] value)
    {
        var hash = new HashCode();
        hash.AddBytes(value);
        return hash.ToHashCode();
    }
}
