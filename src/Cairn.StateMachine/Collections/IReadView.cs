using Cairn.Storage;

namespace Cairn.StateMachine.Collections;

/// <summary>
/// What a command reads, whoever runs it: committed state as of one engine snapshot for a query
/// (<see cref="SnapshotView"/>), or the state as the batch being applied has left it so far for a write (the
/// apply context), so that a later command of the same entry or batch sees the writes before it. A family's
/// reads are written once against this.
/// </summary>
internal interface IReadView
{
    /// <summary>The time (Unix ms) at which expiry is judged.</summary>
    long Now { get; }

    /// <summary>The stored record of a user key (expired or not), or null.</summary>
    byte[]? Record(byte[] userKey);

    /// <summary>The value under a physical key of a member space, or null.</summary>
    byte[]? Get(KvSpace space, byte[] key);

    /// <summary>
    /// The keys of <paramref name="space"/> that start with <paramref name="prefix"/>, not yet positioned: seek it
    /// first. Seek where the reading starts, not to the first key and on: the deletions at a list's or a sorted
    /// set's ends (pops) stay in the engine as tombstones until compaction, and stepping over them costs.
    /// Dispose it soon.
    /// </summary>
    IKvIterator Cursor(KvSpace space, byte[] prefix);
}

internal static class ReadViews
{
    /// <summary>The keys of <paramref name="space"/> that start with <paramref name="prefix"/>, from the first, ascending.</summary>
    public static IKvIterator Iterate(this IReadView view, KvSpace space, byte[] prefix)
    {
        var iterator = view.Cursor(space, prefix);
        iterator.SeekToFirst();
        return iterator;
    }

    /// <summary>The keys with the prefix from the first ≥ <paramref name="from"/>, ascending.</summary>
    public static IKvIterator IterateFrom(this IReadView view, KvSpace space, byte[] prefix, byte[] from)
    {
        var iterator = view.Cursor(space, prefix);
        iterator.Seek(from);
        return iterator;
    }

    /// <summary>A key's record if it exists and has not expired at the view's time.</summary>
    public static byte[]? Live(this IReadView view, byte[] userKey) =>
        view.Record(userKey) is { } record && !ValueRecord.IsExpired(record, view.Now) ? record : null;

    /// <summary>The bytes of the live string under a key: null with no error when there is none, WRONGTYPE for another type.</summary>
    public static ReadOnlyMemory<byte>? String(this IReadView view, byte[] userKey, out KvReply? error)
    {
        error = null;
        if (view.Live(userKey) is not { } record)
        {
            return null;
        }
        if (ValueRecord.Type(record) != ValueType.String)
        {
            error = KvReply.Error(KvErrors.WrongType);
            return null;
        }
        return ValueRecord.PayloadMemory(record);
    }

    /// <summary>
    /// LMPOP's and ZMPOP's choice: the first key holding a live collection of <paramref name="type"/>; null with
    /// WRONGTYPE for a key of another type met before one, null without an error when none holds one.
    /// </summary>
    public static (byte[] Key, Collection Collection)? FirstLive(this IReadView view, byte[][] keys, ValueType type, out KvReply? error)
    {
        foreach (var key in keys)
        {
            if (view.Open(key, type, out error) is { } collection)
            {
                return (key, collection);
            }
            if (error is not null)
            {
                return null;
            }
        }
        error = null;
        return null;
    }

    /// <summary>
    /// The live collection of <paramref name="type"/> under a key: null with no error when there is none, WRONGTYPE
    /// when the key holds another type.
    /// </summary>
    public static Collection? Open(this IReadView view, byte[] userKey, ValueType type, out KvReply? error)
    {
        error = null;
        if (view.Live(userKey) is not { } record)
        {
            return null;
        }
        if (ValueRecord.Type(record) != type)
        {
            error = KvReply.Error(KvErrors.WrongType);
            return null;
        }
        return Collection.FromRecord(userKey, record);
    }
}
