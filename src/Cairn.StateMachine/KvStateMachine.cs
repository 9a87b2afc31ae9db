using System.Buffers.Binary;
using Cairn.Storage;

namespace Cairn.StateMachine;

/// <summary>
/// Applies committed commands to the store. Apply is a pure function of (stored state, entries):
/// the only clock is each entry's timestamp, and no unordered collection is iterated. A batch of
/// entries becomes one engine write that also records the last applied index and the key count,
/// so data and index never disagree. Not thread-safe: one applier at a time; queries
/// (<see cref="Query"/>) may run concurrently with Apply: they read committed engine state only.
/// </summary>
public sealed partial class KvStateMachine
{
    private readonly IKvEngine _engine;
    private readonly RecordCache _cache;
    private readonly KeyIndex _keys;

    // Records written earlier in the current batch (null = deleted), so later entries read their own writes.
    private readonly Dictionary<byte[], byte[]?> _pending = new(ByteArrayComparer.Instance);
    // Keys of the batch being written that were taken out of the record cache, to put back once written.
    private readonly List<byte[]> _withdrawn = [];
    private bool _pendingFlush;
    private IWriteBatch? _batch;
    private long _appliedIndex;
    private long _appliedTime;
    private long _keyCount;
    private long _expiresCount;

    // Counters as the batch being applied changes them; published once the batch is written.
    private long _workKeys;
    private long _workExpires;
    private long _now;
    private long _index;
    private int _eventOrdinal;
    // The entry of the batch being executed (its position), so a fault can name it.
    private int _faultAt;
    private long _eventsFloor;
    // Completed (and replaced) after each applied batch; created only when somebody waits.
    private TaskCompletionSource? _appliedSignal;

    /// <summary>The key index's bound when the caller names none: the one beside the default 256 MB record cache.</summary>
    public static readonly long DefaultKeyIndexBytes = KeyIndex.BoundFor(256L << 20);

    /// <param name="cache">Committed records kept in memory for reads; none when null.</param>
    /// <param name="keys">The applier's index of keys and their expiry; <see cref="DefaultKeyIndexBytes"/> when null.</param>
    public KvStateMachine(IKvEngine engine, RecordCache? cache = null, KeyIndex? keys = null)
    {
        _engine = engine;
        _cache = cache ?? new RecordCache(0);
        _keys = keys ?? new KeyIndex(DefaultKeyIndexBytes);
        _appliedIndex = ReadMetaLong(KeyCodec.AppliedIndexKey);
        _appliedTime = ReadMetaLong(KeyCodec.AppliedTimeKey);
        _keyCount = ReadMetaLong(KeyCodec.KeyCountKey);
        _expiresCount = ReadMetaLong(KeyCodec.ExpiresCountKey);
        EnsureNamesIndexed();
        LoadSessions();
        LoadWaiters();
        _alarm = ReadAlarm();
    }

    /// <summary>Index of the last applied entry (0 when none); durable once Apply returns.</summary>
    public long AppliedIndex => Volatile.Read(ref _appliedIndex);

    /// <summary>
    /// The log's clock: the latest timestamp (Unix ms) of an applied command, the same on every replica. A node
    /// never judges expiry, nor stamps a proposal, earlier than it, so a clock behind the leader's cannot bring
    /// back a key the log has seen expire.
    /// </summary>
    public long AppliedTime => Volatile.Read(ref _appliedTime);

    /// <summary>Records stored, including expired ones not yet deleted (as Redis's DBSIZE counts).</summary>
    public long KeyCount => Volatile.Read(ref _keyCount);

    public RecordCache Cache => _cache;

    public KeyIndex KeyIndex => _keys;

    /// <summary>Stored records that carry a TTL.</summary>
    public long ExpiresCount => Volatile.Read(ref _expiresCount);

    /// <summary>
    /// Called with an entry's index and the exception when command logic failed on it (a bug the operand rules
    /// did not catch): the entry got an error reply and the rest of the batch was applied without it.
    /// </summary>
    public Action<long, Exception>? CommandFaulted { get; set; }

    /// <summary>
    /// The messages a batch published (PUBLISH), in entry order, called on the applying thread once the batch is
    /// durable and its index applied: each node hands each message to its own subscribers once. Must not throw.
    /// </summary>
    public Action<IReadOnlyList<PubSubMessage>>? MessagesPublished { get; set; }

    /// <summary>The time to judge a read's expiry at: the local clock, never earlier than the log's (<see cref="AppliedTime"/>).</summary>
    public long ReadTime(long localNow) => Math.Max(localNow, AppliedTime);

    /// <summary>
    /// Applies <paramref name="entries"/> in order and writes <paramref name="replies"/>[i] for each.
    /// Total: a command that breaks its op's rules (<see cref="KvCommandRules"/>) gets Redis's error, and one
    /// whose logic throws gets an error reply and leaves no trace (the batch is applied again without it),
    /// the same on every replica. Entries at or below <see cref="AppliedIndex"/> were applied before and are
    /// skipped with an error reply. A forwarded write runs only as its session's next one (see
    /// <see cref="AdmitForwarded"/>). Only a failure of the store (<see cref="StorageException"/>) propagates,
    /// and then nothing of the batch is applied.
    /// </summary>
    public void Apply(ReadOnlySpan<KvEntry> entries, Span<KvReply> replies, bool sync)
    {
        _batch ??= _engine.NewBatch();
        HashSet<int>? faulted = null;
        try
        {
            long applied;
            while (true)
            {
                _workKeys = _keyCount;
                _workExpires = _expiresCount;
                _logNow = _appliedTime;
                try
                {
                    applied = ExecuteAll(entries, replies, faulted);
                    break;
                }
                catch (Exception ex) when (IsCommandFault(ex))
                {
                    // Deterministic (every replica throws at the same entry): drop what the batch did so far and
                    // run it again with that entry answered by an error. Each round adds one entry, so this ends.
                    var at = _faultAt;
                    (faulted ??= []).Add(at);
                    CommandFaulted?.Invoke(entries[at].Index, ex);
                    _batch.Clear();
                    _pending.Clear();
                    _overlay.Clear();
                    _published.Clear();
                    _unblocked.Clear();
                    _pendingFlush = false;
                    _alarmChange = null;
                    LoadSessions();
                    LoadWaiters();
                }
            }
            var time = _appliedTime;
            foreach (var entry in entries)
            {
                time = Math.Max(time, entry.Timestamp);
            }
            Span<byte> buffer = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(buffer, applied);
            _batch.Put(KvSpace.Meta, KeyCodec.AppliedIndexKey, buffer);
            BinaryPrimitives.WriteInt64LittleEndian(buffer, time);
            _batch.Put(KvSpace.Meta, KeyCodec.AppliedTimeKey, buffer);
            BinaryPrimitives.WriteInt64LittleEndian(buffer, _workKeys);
            _batch.Put(KvSpace.Meta, KeyCodec.KeyCountKey, buffer);
            BinaryPrimitives.WriteInt64LittleEndian(buffer, _workExpires);
            _batch.Put(KvSpace.Meta, KeyCodec.ExpiresCountKey, buffer);
            _cache.BeginWrite();
            if (_pendingFlush)
            {
                _cache.Clear();
            }
            foreach (var (dataKey, _) in _pending)
            {
                if (_cache.Withdraw(dataKey))
                {
                    _withdrawn.Add(dataKey);
                }
            }
            WriteSessions();
            WriteWaiters();
            try
            {
                _engine.Write(_batch, sync);
            }
            catch
            {
                // Nothing of the batch is applied: neither are its sessions' and waiters' changes.
                LoadSessions();
                LoadWaiters();
                throw;
            }
            _sessionsChanged.Clear();
            WaitersWritten();
            foreach (var dataKey in _withdrawn)
            {
                _cache.Install(dataKey, _pending[dataKey]);
            }
            if (_pendingFlush)
            {
                _keys.Clear();
            }
            foreach (var (dataKey, record) in _pending)
            {
                _keys.Set(dataKey, record);
            }
            Volatile.Write(ref _keyCount, _workKeys);
            Volatile.Write(ref _expiresCount, _workExpires);
            Volatile.Write(ref _appliedTime, time);
            if (_alarmChange is { } alarm)
            {
                _alarm = alarm.Length == 0 ? null : alarm;
            }
            Volatile.Write(ref _appliedIndex, applied);
            if (_published.Count > 0 && MessagesPublished is { } sink)
            {
                sink([.. _published]);
            }
            if (_unblocked.Count > 0 && ClientsUnblocked is { } unblocked)
            {
                unblocked([.. _unblocked]);
            }
        }
        finally
        {
            _alarmChange = null;
            _cache.EndWrite();
            Interlocked.Exchange(ref _appliedSignal, null)?.TrySetResult();
            _batch.Clear();
            _pending.Clear();
            _overlay.Clear();
            _published.Clear();
            _unblocked.Clear();
            _ready.Clear();
            _readySet.Clear();
            _withdrawn.Clear();
            _random = null;
            _pendingFlush = false;
        }
    }

    private long ExecuteAll(ReadOnlySpan<KvEntry> entries, Span<KvReply> replies, HashSet<int>? faulted)
    {
        var applied = _appliedIndex;
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (entry.Index <= applied)
            {
                replies[i] = KvReply.Error("ERR entry already applied");
                continue;
            }
            _now = entry.Timestamp;
            _logNow = Math.Max(_logNow, entry.Timestamp);
            _index = entry.Index;
            _random = null;
            _eventOrdinal = 0;
            _faultAt = i;
            applied = entry.Index;
            if (!entry.Session.IsNone && AdmitForwarded(entry) is { } answered)
            {
                replies[i] = answered;
                continue;
            }
            replies[i] = faulted is not null && faulted.Contains(i)
                ? KvReply.Error($"ERR internal error applying the command (entry {entry.Index}); it was not applied")
                : KvCommandRules.Check(entry.Command) is { } error ? KvReply.Error(error) : Execute(entry.Command);
            if (_ready.Count > 0)
            {
                // As Redis after each command: the clients blocked on the keys it filled are served now.
                ServeReady();
            }
            if (!entry.Session.IsNone)
            {
                KeepReply(entry.Session, replies[i]);
            }
        }
        return applied;
    }

    /// <summary>
    /// Whether an exception from applying a command is the command's own failure (deterministic, so every
    /// replica sees it) rather than the node's: storage, memory and stack failures differ between nodes.
    /// </summary>
    private static bool IsCommandFault(Exception ex) =>
        ex is not (StorageException or IOException or OutOfMemoryException or InsufficientExecutionStackException or ObjectDisposedException);

    /// <summary>Up to <paramref name="max"/> keys whose expiry is at or before <paramref name="now"/>, oldest first.</summary>
    public List<(byte[] Key, long ExpireAt)> FindExpired(long now, int max)
    {
        var found = new List<(byte[], long)>();
        using var iterator = _engine.NewIterator(KvSpace.Expiry);
        for (iterator.SeekToFirst(); iterator.Valid && found.Count < max; iterator.Next())
        {
            var key = iterator.Key;
            var expireAt = KeyCodec.ExpiryOf(key);
            if (expireAt > now)
            {
                break;
            }
            found.Add((key[8..].ToArray(), expireAt));
        }
        return found;
    }

    private KvReply Execute(KvCommand command) => command.Op switch
    {
        KvOp.Set => Set(command),
        KvOp.SetNx => SetNx(command),
        KvOp.GetDel => GetDel(command),
        KvOp.GetEx => GetEx(command),
        KvOp.MSet => MSet(command),
        KvOp.MSetNx => MSetNx(command),
        KvOp.Append => Append(command),
        KvOp.SetRange => SetRange(command),
        KvOp.IncrBy => IncrBy(command),
        KvOp.IncrByFloat => IncrByFloat(command),
        KvOp.Del => Del(command),
        KvOp.Rename => Rename(command, onlyIfAbsent: false),
        KvOp.RenameNx => Rename(command, onlyIfAbsent: true),
        KvOp.Expire => Expire(command),
        KvOp.Persist => Persist(command),
        KvOp.FlushAll => FlushAll(),
        KvOp.ExpireKeys => ExpireKeys(command),
        KvOp.DigestMark => KvReply.Int(_index),
        KvOp.SetAlarm => SetAlarm(command),
        KvOp.Copy => Copy(command),
        _ when KvFamilies.Of(command.Op) is { } family => family.Apply(Context, command),
        _ => KvReply.Error($"ERR '{command.Op.Name()}' is not a write"),
    };

    /// <summary>The stored record of a key as this batch sees it, expired or not.</summary>
    private Slot Lookup(byte[] userKey)
    {
        var dataKey = KeyCodec.DataKey(userKey);
        if (_pending.TryGetValue(dataKey, out var pending))
        {
            return new Slot(userKey, dataKey, pending);
        }
        return new Slot(userKey, dataKey, _pendingFlush ? null : Read(dataKey));
    }

    /// <summary>
    /// Whether a key is stored as this batch sees it, and its expiry; the record only when at hand (so the
    /// slot serves <see cref="Store"/>, <see cref="Remove"/> and <see cref="Slot.IsLiveAt"/>, never
    /// <see cref="Live"/>). For writes that replace or delete a key whole.
    /// </summary>
    private Slot LookupKey(byte[] userKey)
    {
        var dataKey = KeyCodec.DataKey(userKey);
        if (_pending.TryGetValue(dataKey, out var pending))
        {
            return new Slot(userKey, dataKey, pending);
        }
        if (_pendingFlush)
        {
            return new Slot(userKey, dataKey, null);
        }
        return _keys.TryGet(dataKey, out var stored, out var expireAt)
            ? Slot.Known(userKey, dataKey, stored, expireAt)
            : new Slot(userKey, dataKey, Read(dataKey));
    }

    /// <summary>The committed record under a data key, for the applier; noted in the key index.</summary>
    private byte[]? Read(byte[] dataKey)
    {
        var record = _cache.Peek(_engine, KvSpace.Data, dataKey);
        _keys.Set(dataKey, record);
        return record;
    }

    /// <summary>Stores <paramref name="record"/> for the slot's key, keeping the key count and expiry index true.</summary>
    private void Store(in Slot slot, byte[] record)
    {
        if (!slot.IsLiveAt(_now))
        {
            // As Redis's lookup before a write: an expired key goes first, then the key is new.
            if (slot.Exists)
            {
                Notify(KeyspaceEvents.Expired, "expired", slot.UserKey);
            }
            Notify(KeyspaceEvents.New, "new", slot.UserKey);
        }
        var oldExpiry = slot.ExpireAt;
        var newExpiry = ValueRecord.ExpireAt(record);
        if (!slot.Exists)
        {
            _workKeys++;
            _batch!.Put(KvSpace.Names, KeyCodec.NameKey(slot.UserKey), []);
        }
        else if (slot.Stored is { } old && ValueRecord.IsCollection(old) && !(ValueRecord.IsCollection(record) && ValueRecord.Version(record) == ValueRecord.Version(old)))
        {
            // Replaced by another value: the old collection's members go with it.
            DropMembers(slot.UserKey, old);
        }
        if (oldExpiry != newExpiry)
        {
            if (oldExpiry != 0)
            {
                _workExpires--;
                _batch!.Delete(KvSpace.Expiry, KeyCodec.ExpiryKey(oldExpiry, slot.UserKey));
            }
            if (newExpiry != 0)
            {
                _workExpires++;
                _batch!.Put(KvSpace.Expiry, KeyCodec.ExpiryKey(newExpiry, slot.UserKey), []);
            }
        }
        _batch!.Put(KvSpace.Data, slot.DataKey, record);
        _pending[slot.DataKey] = record;
        AddEvent(KvEventKind.Put, slot.UserKey, record);
        SignalReady(slot.UserKey, record);
    }

    private void Remove(in Slot slot)
    {
        if (!slot.Exists)
        {
            return;
        }
        if (!slot.IsLiveAt(_now))
        {
            Notify(KeyspaceEvents.Expired, "expired", slot.UserKey);
        }
        _workKeys--;
        var expiry = slot.ExpireAt;
        if (expiry != 0)
        {
            _workExpires--;
            _batch!.Delete(KvSpace.Expiry, KeyCodec.ExpiryKey(expiry, slot.UserKey));
        }
        _batch!.Delete(KvSpace.Data, slot.DataKey);
        _batch.Delete(KvSpace.Names, KeyCodec.NameKey(slot.UserKey));
        if (slot.Stored is { } old && ValueRecord.IsCollection(old))
        {
            DropMembers(slot.UserKey, old);
        }
        _pending[slot.DataKey] = null;
        AddEvent(KvEventKind.Delete, slot.UserKey, []);
    }

    /// <summary>
    /// Range-deletes a collection's members (and scores) in the batch that removes or replaces it: O(1) in Apply
    /// whatever its size, and the same on every replica (its version is in its header).
    /// </summary>
    private void DropMembers(byte[] userKey, byte[] record)
    {
        var prefix = KeyCodec.MembersPrefix(userKey, ValueRecord.Version(record));
        var end = KeyCodec.PrefixEnd(prefix);
        _batch!.DeleteRange(KvSpace.Members, prefix, end);
        _overlay.DropRange(KvSpace.Members, prefix, end);
        if (ValueRecord.UsesScores(record))
        {
            _batch.DeleteRange(KvSpace.Scores, prefix, end);
            _overlay.DropRange(KvSpace.Scores, prefix, end);
        }
    }

    /// <summary>A string's record, with the encoding Redis would give it (<see cref="StringEncoding"/>).</summary>
    private byte[] NewString(ReadOnlySpan<byte> value, long expireAt, StringEncoding encoding = StringEncoding.ByValue)
    {
        var record = ValueRecord.Create(ValueType.String, expireAt, _index, value);
        record[1] = (byte)encoding;
        return record;
    }

    private long ReadMetaLong(byte[] key)
    {
        var value = _engine.Get(KvSpace.Meta, key);
        return value is { Length: 8 } ? BinaryPrimitives.ReadInt64LittleEndian(value) : 0;
    }

    /// <summary>
    /// A key as the batch sees it: stored or not, its expiry, and its record unless the slot came from the key
    /// index (then <see cref="Stored"/> is null even when the key exists). <see cref="Live"/> is null when
    /// absent or expired at the entry's time.
    /// </summary>
    private readonly struct Slot
    {
        public Slot(byte[] userKey, byte[] dataKey, byte[]? stored)
        {
            UserKey = userKey;
            DataKey = dataKey;
            Stored = stored;
            Exists = stored is not null;
            ExpireAt = stored is null ? 0 : ValueRecord.ExpireAt(stored);
        }

        private Slot(byte[] userKey, byte[] dataKey, bool exists, long expireAt)
        {
            UserKey = userKey;
            DataKey = dataKey;
            Exists = exists;
            ExpireAt = expireAt;
        }

        public static Slot Known(byte[] userKey, byte[] dataKey, bool exists, long expireAt) => new(userKey, dataKey, exists, expireAt);

        public byte[] UserKey { get; }

        public byte[] DataKey { get; }

        public byte[]? Stored { get; }

        public bool Exists { get; }

        /// <summary>The stored key's expiry (Unix ms, 0 = none); 0 when absent.</summary>
        public long ExpireAt { get; }

        public bool IsLiveAt(long now) => Exists && (ExpireAt == 0 || ExpireAt > now);

        public byte[]? LiveAt(long now)
        {
            System.Diagnostics.Debug.Assert(Stored is not null || !Exists, "a key-index slot has no record");
            return IsLiveAt(now) ? Stored : null;
        }
    }

    private byte[]? Live(in Slot slot) => slot.LiveAt(_now);
}
