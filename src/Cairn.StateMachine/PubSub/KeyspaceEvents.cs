namespace Cairn.StateMachine;

/// <summary>
/// notify-keyspace-events (notify.c, Redis 7.0): which keyspace notifications a node publishes. Its own setting, like
/// each Redis server's, not replicated state: Apply generates the same events for the same writes on every node and
/// each node publishes the classes it is set to, to its own subscribers.
/// </summary>
[Flags]
public enum KeyspaceEvents
{
    None = 0,
    Keyspace = 1 << 0,
    Keyevent = 1 << 1,
    Generic = 1 << 2,
    String = 1 << 3,
    List = 1 << 4,
    Set = 1 << 5,
    Hash = 1 << 6,
    ZSet = 1 << 7,
    Expired = 1 << 8,
    Evicted = 1 << 9,
    Stream = 1 << 10,
    KeyMiss = 1 << 11,
    Module = 1 << 13,
    New = 1 << 14,

    /// <summary>"A": every class but key misses and new keys.</summary>
    All = Generic | String | List | Set | Hash | ZSet | Expired | Evicted | Stream | Module,
}

public static class KeyspaceEventFlags
{
    /// <summary>keyspaceEventsStringToFlags: null for a character that is not a class.</summary>
    public static KeyspaceEvents? Parse(string text)
    {
        var flags = KeyspaceEvents.None;
        foreach (var ch in text)
        {
            flags |= ch switch
            {
                'A' => KeyspaceEvents.All,
                'g' => KeyspaceEvents.Generic,
                '$' => KeyspaceEvents.String,
                'l' => KeyspaceEvents.List,
                's' => KeyspaceEvents.Set,
                'h' => KeyspaceEvents.Hash,
                'z' => KeyspaceEvents.ZSet,
                'x' => KeyspaceEvents.Expired,
                'e' => KeyspaceEvents.Evicted,
                'K' => KeyspaceEvents.Keyspace,
                'E' => KeyspaceEvents.Keyevent,
                't' => KeyspaceEvents.Stream,
                'm' => KeyspaceEvents.KeyMiss,
                'd' => KeyspaceEvents.Module,
                'n' => KeyspaceEvents.New,
                _ => (KeyspaceEvents?)null,
            } ?? (KeyspaceEvents)(-1);
            if (flags == (KeyspaceEvents)(-1))
            {
                return null;
            }
        }
        return flags;
    }

    /// <summary>keyspaceEventsFlagsToString: what CONFIG GET shows ("A" hides 'n').</summary>
    public static string Format(KeyspaceEvents flags)
    {
        var text = new System.Text.StringBuilder();
        if ((flags & KeyspaceEvents.All) == KeyspaceEvents.All)
        {
            text.Append('A');
        }
        else
        {
            (KeyspaceEvents Flag, char Name)[] classes =
            [
                (KeyspaceEvents.Generic, 'g'), (KeyspaceEvents.String, '$'), (KeyspaceEvents.List, 'l'), (KeyspaceEvents.Set, 's'),
                (KeyspaceEvents.Hash, 'h'), (KeyspaceEvents.ZSet, 'z'), (KeyspaceEvents.Expired, 'x'), (KeyspaceEvents.Evicted, 'e'),
                (KeyspaceEvents.Stream, 't'), (KeyspaceEvents.Module, 'd'), (KeyspaceEvents.New, 'n'),
            ];
            foreach (var (flag, name) in classes)
            {
                if ((flags & flag) != 0)
                {
                    text.Append(name);
                }
            }
        }
        if ((flags & KeyspaceEvents.Keyspace) != 0)
        {
            text.Append('K');
        }
        if ((flags & KeyspaceEvents.Keyevent) != 0)
        {
            text.Append('E');
        }
        if ((flags & KeyspaceEvents.KeyMiss) != 0)
        {
            text.Append('m');
        }
        return text.ToString();
    }
}
