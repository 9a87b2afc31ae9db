using System.Buffers.Binary;
using Cairn.StateMachine.Collections;
using Cairn.Storage;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    private KvReply Del(KvCommand c)
    {
        long deleted = 0;
        foreach (var key in c.Args)
        {
            var slot = LookupKey(key);
            var live = slot.IsLiveAt(_now);
            Remove(slot);
            if (live)
            {
                deleted++;
                Notify(KeyspaceEvents.Generic, "del", key);
            }
        }
        return c.Has(KvFlags.WithRevision) ? KvReply.Array([KvReply.Int(deleted), KvReply.Int(_index)]) : KvReply.Int(deleted);
    }

    private KvReply Rename(KvCommand c, bool onlyIfAbsent)
    {
        var source = Lookup(c.Args[0]);
        var live = Live(source);
        if (live is null)
        {
            return KvReply.Error(KvErrors.NoSuchKey);
        }
        if (c.Args[0].AsSpan().SequenceEqual(c.Args[1]))
        {
            return onlyIfAbsent ? KvReply.Int(0) : KvReply.Ok;
        }
        var destination = Lookup(c.Args[1]);
        if (onlyIfAbsent && Live(destination) is not null)
        {
            return KvReply.Int(0);
        }
        if (destination.Stored is { } replaced && ValueRecord.IsCollection(replaced))
        {
            // Before the move: two keys made by one entry share a version, so the replaced members' range may be the moved ones'.
            DropMembers(c.Args[1], replaced);
        }
        if (ValueRecord.IsCollection(live))
        {
            // Its members are stored under its name: they move (O(members), as Kvrocks's RENAME), then the source's go.
            MoveMembers(c.Args[0], c.Args[1], live);
        }
        Remove(source);
        Store(destination, Restamp(live, ValueRecord.ExpireAt(live)));
        Notify(KeyspaceEvents.Generic, "rename_from", c.Args[0]);
        Notify(KeyspaceEvents.Generic, "rename_to", c.Args[1]);
        return onlyIfAbsent ? KvReply.Int(1) : KvReply.Ok;
    }

    /// <summary>
    /// COPY: the destination gets the source's value and expiry; a collection's members are copied (O(members)) under
    /// the version of this entry, so the copy is a collection of its own.
    /// </summary>
    private KvReply Copy(KvCommand c)
    {
        var live = Live(Lookup(c.Args[0]));
        if (live is null)
        {
            return KvReply.Int(0);
        }
        var destination = Lookup(c.Args[1]);
        if (Live(destination) is not null && !c.Has(KvFlags.Replace))
        {
            return KvReply.Int(0);
        }
        if (destination.Stored is { } replaced && ValueRecord.IsCollection(replaced))
        {
            // Before the copy: a destination made earlier in this entry has this entry's version, the copy's.
            DropMembers(c.Args[1], replaced);
        }
        if (!ValueRecord.IsCollection(live))
        {
            var copy = Restamp(live, ValueRecord.ExpireAt(live));
            if (EncodingName(live) == "int")
            {
                copy[1] = (byte)StringEncoding.Unshared;
            }
            Store(destination, copy);
            Notify(KeyspaceEvents.Generic, "copy_to", c.Args[1]);
            return KvReply.Int(1);
        }
        CopyMembers(c.Args[0], ValueRecord.Version(live), c.Args[1], _index, live);
        Store(destination, ValueRecord.WithVersion(live, _index, _index));
        Notify(KeyspaceEvents.Generic, "copy_to", c.Args[1]);
        return KvReply.Int(1);
    }

    /// <summary>Copies a collection's members (and scores) from under one key to under another, same version.</summary>
    private void MoveMembers(byte[] from, byte[] to, byte[] record) =>
        CopyMembers(from, ValueRecord.Version(record), to, ValueRecord.Version(record), record);

    private void CopyMembers(byte[] from, long fromVersion, byte[] to, long toVersion, byte[] record)
    {
        var source = KeyCodec.MembersPrefix(from, fromVersion);
        var target = KeyCodec.MembersPrefix(to, toVersion);
        foreach (var space in ValueRecord.UsesScores(record) ? new[] { KvSpace.Members, KvSpace.Scores } : [KvSpace.Members])
        {
            var moved = new List<(byte[], byte[])>();
            using (var iterator = Context.Iterate(space, source))
            {
                for (; iterator.Valid; iterator.Next())
                {
                    moved.Add(([.. target, .. iterator.Key[source.Length..]], iterator.Value.ToArray()));
                }
            }
            foreach (var (key, value) in moved)
            {
                Context.Put(space, key, value);
            }
        }
    }

    private KvReply Expire(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        if (live is null)
        {
            return KvReply.Int(0);
        }
        if (!TryResolveExpiry(c, out var when))
        {
            return KvReply.Error(KvErrors.InvalidExpire("expire"));
        }
        var current = ValueRecord.ExpireAt(live);
        if ((c.Has(KvFlags.Nx) && current != 0)
            || (c.Has(KvFlags.Xx) && current == 0)
            || (c.Has(KvFlags.Gt) && (current == 0 || when <= current))
            || (c.Has(KvFlags.Lt) && current != 0 && when >= current))
        {
            return KvReply.Int(0);
        }
        if (when <= _now)
        {
            Remove(slot);
            Notify(KeyspaceEvents.Generic, "del", c.Args[0]);
        }
        else
        {
            Store(slot, Restamp(live, when));
            Notify(KeyspaceEvents.Generic, "expire", c.Args[0]);
        }
        return KvReply.Int(1);
    }

    private KvReply Persist(KvCommand c)
    {
        var slot = Lookup(c.Args[0]);
        var live = Live(slot);
        if (live is null || ValueRecord.ExpireAt(live) == 0)
        {
            return KvReply.Int(0);
        }
        Store(slot, Restamp(live, 0));
        Notify(KeyspaceEvents.Generic, "persist", c.Args[0]);
        return KvReply.Int(1);
    }

    private KvReply FlushAll()
    {
        _batch!.DeleteRange(KvSpace.Data, KeyCodec.RecordsStart, KeyCodec.RecordsEnd);
        _batch.DeleteRange(KvSpace.Expiry, KeyCodec.ExpiryStart, KeyCodec.ExpiryEnd);
        _batch.DeleteRange(KvSpace.Names, KeyCodec.NamesStart, KeyCodec.NamesEnd);
        // Members and scores are under h(k) first, whose top bit is clear.
        _batch.DeleteRange(KvSpace.Members, KeyCodec.ExpiryStart, KeyCodec.ExpiryEnd);
        _batch.DeleteRange(KvSpace.Scores, KeyCodec.ExpiryStart, KeyCodec.ExpiryEnd);
        _overlay.DropRange(KvSpace.Members, KeyCodec.ExpiryStart, KeyCodec.ExpiryEnd);
        _overlay.DropRange(KvSpace.Scores, KeyCodec.ExpiryStart, KeyCodec.ExpiryEnd);
        AddEvent(KvEventKind.Flush, [], []);
        _pending.Clear();
        _pendingFlush = true;
        _workKeys = 0;
        _workExpires = 0;
        return KvReply.Ok;
    }

    /// <summary>Deletes keys whose expiry has passed and is still the one the proposer saw (active expiry).</summary>
    private KvReply ExpireKeys(KvCommand c)
    {
        long removed = 0;
        for (var i = 0; i + 1 < c.Args.Length; i += 2)
        {
            var expected = BinaryPrimitives.ReadInt64BigEndian(c.Args[i + 1]);
            var slot = LookupKey(c.Args[i]);
            if (slot.Exists && slot.ExpireAt == expected && expected <= _now)
            {
                Remove(slot);
                removed++;
            }
        }
        return KvReply.Int(removed);
    }

    /// <summary>The command's expiry operand as absolute Unix ms; false when it overflows or is not positive.</summary>
    private bool TryResolveExpiry(KvCommand c, out long expireAt)
    {
        expireAt = c.Number;
        if (c.Has(KvFlags.ExpireRelative))
        {
            if (c.Number > 0 && _now > long.MaxValue - c.Number)
            {
                return false;
            }
            expireAt = _now + c.Number;
        }
        // A relative expiry of zero or less means "already expired", so any positive past instant will do.
        if (expireAt <= 0)
        {
            expireAt = 1;
        }
        return true;
    }

    /// <summary>The same value under a new expiry, marked as modified by the current entry.</summary>
    /// <summary>The record with a new expiry, stamped by this entry; its encoding byte kept.</summary>
    private byte[] Restamp(byte[] record, long expireAt)
    {
        var restamped = ValueRecord.Create(ValueRecord.Type(record), expireAt, _index, ValueRecord.Payload(record));
        restamped[1] = record[1];
        return restamped;
    }
}
