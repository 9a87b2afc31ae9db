using System.Collections.Concurrent;
using System.Text;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    private static readonly byte[] KeyspacePrefix = "__keyspace@0__:"u8.ToArray();
    private static readonly byte[] KeyeventPrefix = "__keyevent@0__:"u8.ToArray();
    private static readonly ConcurrentDictionary<string, (byte[] Name, byte[] Channel)> EventNames = new();

    private int _keyspaceEvents;

    /// <summary>
    /// Which keyspace notifications Apply publishes here (notify-keyspace-events): this node's setting, read at each
    /// event. The events themselves are a function of the entry and the state, so nodes set alike publish alike.
    /// </summary>
    public KeyspaceEvents KeyspaceEvents
    {
        get => (KeyspaceEvents)Volatile.Read(ref _keyspaceEvents);
        set => Volatile.Write(ref _keyspaceEvents, (int)value);
    }

    /// <summary>
    /// notify.c notifyKeyspaceEvent: "<paramref name="name"/>" on __keyspace@0__:key and the key on
    /// __keyevent@0__:name, as the node's classes allow; handed out with the batch's other messages.
    /// </summary>
    private void Notify(KeyspaceEvents type, string name, byte[] key)
    {
        var flags = KeyspaceEvents;
        if ((flags & type) == 0 || (flags & (KeyspaceEvents.Keyspace | KeyspaceEvents.Keyevent)) == 0)
        {
            return;
        }
        var (eventName, eventChannel) = EventNames.GetOrAdd(name, n => (Encoding.ASCII.GetBytes(n), [.. KeyeventPrefix, .. Encoding.ASCII.GetBytes(n)]));
        if ((flags & KeyspaceEvents.Keyspace) != 0)
        {
            _published.Add(new PubSubMessage(_index, [.. KeyspacePrefix, .. key], eventName));
        }
        if ((flags & KeyspaceEvents.Keyevent) != 0)
        {
            _published.Add(new PubSubMessage(_index, eventChannel, key));
        }
    }
}
