using Cairn.StateMachine.Collections;
using Cairn.Storage;

namespace Cairn.StateMachine;

public sealed partial class KvStateMachine
{
    private readonly BatchOverlay _overlay = new();
    private readonly List<PubSubMessage> _published = [];
    private ApplyContext? _context;
    private EntryRandom? _random;

    private ApplyContext Context => _context ??= new ApplyContext(this);

    /// <summary>
    /// What a family's writes work on: the batch being applied, read as it has left the store so far (records and
    /// members, through <see cref="IReadView"/>), the entry's time, index and random numbers, and the writes a
    /// collection needs. One per state machine; valid only inside Apply.
    /// </summary>
    internal sealed class ApplyContext(KvStateMachine machine) : IReadView
    {
        public long Now => machine._now;

        /// <summary>The entry's index: the revision of what it writes, the version of what it creates.</summary>
        public long Index => machine._index;

        /// <summary>The entry's random numbers (the same on every replica).</summary>
        public EntryRandom Random => machine._random ??= new EntryRandom(machine._index);

        public byte[]? Record(byte[] userKey) => machine.Lookup(userKey).Stored;

        public byte[]? Get(KvSpace space, byte[] key) =>
            machine._overlay.TryGet(space, key, out var value) ? value : machine._engine.Get(space, key);

        public IKvIterator Cursor(KvSpace space, byte[] prefix)
        {
            var engine = new PrefixIterator(machine._engine.NewIterator(space, prefix, KeyCodec.PrefixEnd(prefix)), prefix);
            return new OverlayIterator(engine, machine._overlay.Entries(space, prefix), machine._overlay, space);
        }

        /// <summary>
        /// The collection of <paramref name="type"/> under a key to write to: the live one, or a new one (size 0, this
        /// entry's version) when the key is absent or expired; null with WRONGTYPE when the key holds another type.
        /// </summary>
        public Collection? OpenForWrite(byte[] userKey, ValueType type, out KvReply? error)
        {
            var existing = this.Open(userKey, type, out error);
            if (error is not null)
            {
                return null;
            }
            return existing ?? Collection.New(userKey, type, Index);
        }

        /// <summary>A new, empty collection to take the key's place whatever it holds (see <see cref="Collection.Replacing"/>).</summary>
        public Collection Replace(byte[] userKey, ValueType type) => Collection.Replacing(userKey, type, Index);

        public void Put(KvSpace space, byte[] key, byte[] value)
        {
            machine._batch!.Put(space, key, value);
            machine._overlay.Put(space, key, value);
        }

        public void Delete(KvSpace space, byte[] key)
        {
            machine._batch!.Delete(space, key);
            machine._overlay.Delete(space, key);
        }

        /// <summary>
        /// Stores a string a bit command built (Redis's raw encoding) under a key, keeping the key's expiry (SETBIT,
        /// BITFIELD) or not (BITOP's destination).
        /// </summary>
        public void PutString(byte[] userKey, byte[] value, bool keepExpiry)
        {
            var slot = machine.Lookup(userKey);
            var live = machine.Live(slot);
            machine.Store(slot, machine.NewString(value, keepExpiry && live is not null ? ValueRecord.ExpireAt(live) : 0, StringEncoding.InPlace));
        }

        /// <summary>A message for the subscribers, handed out with the entry's index once the batch is durable.</summary>
        public void Publish(byte[] channel, byte[] message, bool sharded = false) => machine._published.Add(new PubSubMessage(Index, channel, message, sharded));

        /// <summary>Deletes a key whatever it holds (nothing when absent); whether it was live.</summary>
        public bool DeleteKey(byte[] userKey)
        {
            var slot = machine.Lookup(userKey);
            var live = slot.IsLiveAt(Now);
            machine.Remove(slot);
            return live;
        }

        /// <summary>Deletes the keys of a member space in [<paramref name="from"/>, <paramref name="to"/>): O(1) whatever their number.</summary>
        public void DeleteRange(KvSpace space, byte[] from, byte[] to)
        {
            machine._batch!.DeleteRange(space, from, to);
            machine._overlay.DropRange(space, from, to);
        }

        /// <summary>
        /// Stores the collection's header as the command left it; an emptied collection deletes its key (as in Redis),
        /// one never filled stores nothing. Keyspace events: "new" for a key it creates, "del" for a live key it
        /// deletes; so a command that adds notifies its own event after saving, one that removes before.
        /// </summary>
        public void Save(Collection collection)
        {
            var slot = machine.Lookup(collection.Key);
            if (collection.Size > 0)
            {
                machine.Store(slot, collection.ToRecord(Index));
            }
            else if (collection.Existed || collection.Replaces)
            {
                var live = slot.IsLiveAt(Now);
                machine.Remove(slot);
                if (live)
                {
                    machine.Notify(KeyspaceEvents.Generic, "del", collection.Key);
                }
            }
        }

        /// <summary>A blocking family's op (<see cref="BlockingOp"/>): the waiters are the state machine's.</summary>
        public KvReply Blocking(KvCommand c) => machine.ApplyBlocking(c);

        /// <summary>A keyspace event of the command on <paramref name="key"/> (notify-keyspace-events decides whether it goes out).</summary>
        public void Notify(KeyspaceEvents type, string name, byte[] key) => machine.Notify(type, name, key);
    }
}
