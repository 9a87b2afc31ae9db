using System.Buffers.Binary;
using Cairn.StateMachine.Blocking;
using Cairn.StateMachine.Lists;
using Cairn.StateMachine.SortedSets;
using Cairn.StateMachine.Wire;
using Cairn.Storage;

namespace Cairn.StateMachine;

/// <summary>
/// Blocked clients in the replicated state (see <see cref="BlockingOp"/>). A waiter is kept in the meta space under its
/// id, the index of the entry that blocked — so waiters on a key are served in the order they blocked, on every
/// replica — with its deadline (log time), its command, and once served a pop, the command that puts the pop back
/// if its owner never acknowledges it. Everything is a function of the entries and the stored waiters; memory holds
/// an index of them (by key, by owner), loaded at start, after a restore and when a batch runs again.
/// </summary>
public sealed partial class KvStateMachine
{
    private static readonly byte[] WaiterPrefix = "waiter/"u8.ToArray();
    private static readonly byte[] IncarnationPrefix = "incarnation/"u8.ToArray();
    private const string ClientUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
    private const string NodeRestarted = "UNBLOCKED the client's node restarted";

    private sealed class Waiter(long id, byte[] owner, long deadline, KvCommand command)
    {
        public long Id { get; } = id;

        public byte[] Owner { get; } = owner;

        public long Deadline { get; } = deadline;

        public KvCommand Command { get; } = command;

        /// <summary>Set once served a pop: what puts the popped elements back if the owner does not acknowledge them.</summary>
        public KvCommand? Return { get; set; }

        public ReadOnlySpan<byte[]> Keys => (BlockingOp)Command.Op.Low() == BlockingOp.ListMove ? Command.Args.AsSpan(1, 1) : Command.Args.AsSpan(1);
    }

    private readonly SortedDictionary<long, Waiter> _waiters = [];
    private readonly Dictionary<byte[], long> _waiterByOwner = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], List<long>> _waitersByKey = new(ByteArrayComparer.Instance);
    private readonly SortedDictionary<ulong, ulong> _incarnations = [];
    private readonly SortedSet<long> _waitersChanged = [];
    private readonly SortedSet<ulong> _incarnationsChanged = [];
    private readonly List<byte[]> _ready = [];
    private readonly HashSet<byte[]> _readySet = new(ByteArrayComparer.Instance);
    private readonly List<UnblockedClient> _unblocked = [];
    private long _earliestDeadline;
    private int _waitingCount;

    /// <summary>
    /// The late replies of blocked clients a batch produced (served, timed out, unblocked), in order, once the batch is
    /// durable: each node writes those of its own clients. Called on the applying thread; must not throw.
    /// </summary>
    public Action<IReadOnlyList<UnblockedClient>>? ClientsUnblocked { get; set; }

    /// <summary>The earliest deadline of a waiting client (Unix ms, log time), 0 when none: when the leader proposes <see cref="BlockingOp.Timeouts"/>.</summary>
    public long EarliestBlockDeadline => Volatile.Read(ref _earliestDeadline);

    /// <summary>Clients waiting in the replicated state, of every node.</summary>
    public int WaitingCount => Volatile.Read(ref _waitingCount);

    private KvReply ApplyBlocking(KvCommand c) => (BlockingOp)c.Op.Low() switch
    {
        BlockingOp.ListPop or BlockingOp.ZSetPop or BlockingOp.ListMove => Block(c),
        BlockingOp.Unblock => Unblock(c.Args[0], (int)c.Number),
        BlockingOp.Timeouts => Timeouts(),
        BlockingOp.Ack => Ack(c.Args),
        BlockingOp.Release => Release(BinaryPrimitives.ReadUInt64BigEndian(c.Args[0]), BinaryPrimitives.ReadUInt64BigEndian(c.Args[1])),
        _ => KvReply.Error($"ERR '{c.Op.Name()}' is not a write"),
    };

    /// <summary>Served at once when it can be (as its non-blocking form); otherwise its waiter is recorded and it answers <see cref="BlockingSyntax.Blocked"/>.</summary>
    private KvReply Block(KvCommand c)
    {
        var op = (BlockingOp)c.Op.Low();
        var reply = op switch
        {
            BlockingOp.ListMove => Execute(new KvCommand(KvOps.Of(ListOp.LMove), c.Args[1..], c.Number2 & 1, c.Number2 >> 1)),
            _ => Shape(c, Execute(new KvCommand(op == BlockingOp.ListPop ? KvOps.Of(ListOp.LMPop) : KvOps.Of(ZSetOp.ZMPop), c.Args[1..], Math.Max(1, c.Number2), flags: c.Flags & KvFlags.Rev))),
        };
        if (reply.Kind is not (KvReplyKind.Null or KvReplyKind.NullArray))
        {
            return reply;
        }
        var owner = BlockOwner.From(c.Args[0]);
        if (_incarnations.TryGetValue(owner.Node, out var live) && owner.Incarnation < live)
        {
            // Proposed by a process of that node that is gone: nobody would hear the reply.
            return KvReply.Error(NodeRestarted);
        }
        if (_waiterByOwner.TryGetValue(c.Args[0], out var previous))
        {
            Forget(_waiters[previous]);
        }
        var waiter = new Waiter(_index, c.Args[0], c.Number == 0 ? 0 : (_now > long.MaxValue - c.Number ? long.MaxValue : _now + c.Number), c);
        Remember(waiter);
        return KvReply.Simple(BlockingSyntax.Blocked);
    }

    /// <summary>BLPOP's and BZPOPMIN's single forms answer [key, element] / [key, member, score]: LMPOP's and ZMPOP's, reshaped.</summary>
    private static KvReply Shape(KvCommand c, KvReply multi)
    {
        if (c.Number2 != 0 || multi.Kind != KvReplyKind.Array)
        {
            return multi;
        }
        var key = multi.Items![0];
        var first = multi.Items[1].Items![0];
        return first.Kind == KvReplyKind.Array ? KvReply.Array([key, first.Items![0], first.Items[1]]) : KvReply.Array([key, first]);
    }

    /// <summary>A list or sorted set stored under a key some client waits on: its waiters are served once the entry's command is done.</summary>
    private void SignalReady(byte[] userKey, byte[] record)
    {
        if (_waitersByKey.Count > 0 && ValueRecord.Type(record) is ValueType.List or ValueType.ZSet
            && _waitersByKey.ContainsKey(userKey) && _readySet.Add(userKey))
        {
            _ready.Add(userKey);
        }
    }

    /// <summary>
    /// handleClientsBlockedOnKeys: each ready key's waiters in the order they blocked, while the key has what they wait
    /// for (a waiter for another type is passed over). A served BLMOVE may make its destination ready: that is served too.
    /// </summary>
    private void ServeReady()
    {
        for (var r = 0; r < _ready.Count; r++)
        {
            var key = _ready[r];
            if (!_waitersByKey.TryGetValue(key, out var ids))
            {
                continue;
            }
            foreach (var id in ids.ToArray())
            {
                var type = Live(Lookup(key)) is { } live ? ValueRecord.Type(live) : (ValueType?)null;
                if (type is null)
                {
                    break;
                }
                var waiter = _waiters[id];
                var op = (BlockingOp)waiter.Command.Op.Low();
                if (type != (op == BlockingOp.ZSetPop ? ValueType.ZSet : ValueType.List))
                {
                    continue;
                }
                var (reply, back) = Serve(waiter, key);
                Forget(waiter);
                if (back is not null)
                {
                    // In flight: kept by id and owner (not by key) until acknowledged or handed back.
                    waiter.Return = back;
                    Remember(waiter);
                }
                _unblocked.Add(new UnblockedClient(BlockOwner.From(waiter.Owner), reply, back is not null));
            }
        }
        _ready.Clear();
        _readySet.Clear();
    }

    /// <summary>A waiter's pop from <paramref name="key"/> (which holds its type), as its non-blocking form; and what would put it back.</summary>
    private (KvReply Reply, KvCommand? Back) Serve(Waiter waiter, byte[] key)
    {
        var c = waiter.Command;
        var rev = c.Has(KvFlags.Rev);
        switch ((BlockingOp)c.Op.Low())
        {
            case BlockingOp.ListMove:
                // The element ends in the destination (or, WRONGTYPE there, stays): nothing to put back.
                return (Execute(new KvCommand(KvOps.Of(ListOp.LMove), c.Args[1..], c.Number2 & 1, c.Number2 >> 1)), null);
            case BlockingOp.ListPop:
            {
                var popped = Execute(new KvCommand(KvOps.Of(ListOp.LMPop), [key], Math.Max(1, c.Number2), flags: c.Flags & KvFlags.Rev));
                var elements = popped.Items![1].Items!.Select(e => e.Bytes.ToArray()).Reverse();
                var back = ListSyntax.LPush([[], key, .. elements]).Command!;
                return (Shape(c, popped), rev ? new KvCommand(back.Op, back.Args, flags: KvFlags.Rev) : back);
            }
            default:
            {
                var popped = Execute(new KvCommand(KvOps.Of(ZSetOp.ZMPop), [key], Math.Max(1, c.Number2), flags: c.Flags & KvFlags.Rev));
                var pairs = popped.Items![1].Items!;
                var args = new List<byte[]> { "zadd"u8.ToArray(), key, "NX"u8.ToArray() };
                foreach (var pair in pairs)
                {
                    args.Add(System.Text.Encoding.ASCII.GetBytes(RedisNumbers.FormatScore(pair.Items![1].Double)));
                    args.Add(pair.Items[0].Bytes.ToArray());
                }
                return (Shape(c, popped), ZSetSyntax.ZAdd([.. args]).Command!);
            }
        }
    }

    /// <summary>replyToBlockedClientTimedOut: a null array for every list and sorted-set wait, BLMOVE's too.</summary>
    private static KvReply TimeoutReply(Waiter waiter) => KvReply.NullArray;

    /// <summary>Ends one owner's wait: 0 it went (a pop in flight goes back), 1 as a timeout, 2 with UNBLOCKED.</summary>
    private KvReply Unblock(byte[] owner, int mode)
    {
        if (!_waiterByOwner.TryGetValue(owner, out var id))
        {
            return KvReply.Int(0);
        }
        var waiter = _waiters[id];
        if (waiter.Return is { } back)
        {
            if (mode == 0)
            {
                Execute(back);
                Forget(waiter);
            }
            return KvReply.Int(0);
        }
        Forget(waiter);
        if (mode != 0)
        {
            _unblocked.Add(new UnblockedClient(BlockOwner.From(owner), mode == 1 ? TimeoutReply(waiter) : KvReply.Error(ClientUnblocked), false));
        }
        return KvReply.Int(1);
    }

    private KvReply Timeouts()
    {
        var due = _waiters.Values.Where(w => w.Return is null && w.Deadline != 0 && w.Deadline <= _now).ToList();
        foreach (var waiter in due)
        {
            Forget(waiter);
            _unblocked.Add(new UnblockedClient(BlockOwner.From(waiter.Owner), TimeoutReply(waiter), false));
        }
        return KvReply.Int(due.Count);
    }

    private KvReply Ack(byte[][] owners)
    {
        long acknowledged = 0;
        foreach (var owner in owners)
        {
            if (_waiterByOwner.TryGetValue(owner, out var id) && _waiters[id].Return is not null)
            {
                Forget(_waiters[id]);
                acknowledged++;
            }
        }
        return KvReply.Int(acknowledged);
    }

    /// <summary>A node's new incarnation: the waits of its earlier ones end and their pops in flight go back.</summary>
    private KvReply Release(ulong node, ulong incarnation)
    {
        if (_incarnations.TryGetValue(node, out var live) && live >= incarnation)
        {
            return KvReply.Int(0);
        }
        _incarnations[node] = incarnation;
        _incarnationsChanged.Add(node);
        var gone = _waiters.Values.Where(w => BlockOwner.From(w.Owner) is var o && o.Node == node && o.Incarnation < incarnation).ToList();
        foreach (var waiter in gone)
        {
            if (waiter.Return is { } back)
            {
                Execute(back);
            }
            Forget(waiter);
        }
        return KvReply.Int(gone.Count);
    }

    private void Remember(Waiter waiter)
    {
        _waiters[waiter.Id] = waiter;
        _waiterByOwner[waiter.Owner] = waiter.Id;
        if (waiter.Return is null)
        {
            foreach (var key in waiter.Keys)
            {
                if (!_waitersByKey.TryGetValue(key, out var ids))
                {
                    _waitersByKey[key] = ids = [];
                }
                if (ids.Count == 0 || ids[^1] != waiter.Id)
                {
                    ids.Add(waiter.Id);
                }
            }
        }
        _waitersChanged.Add(waiter.Id);
    }

    private void Forget(Waiter waiter)
    {
        _waiters.Remove(waiter.Id);
        _waiterByOwner.Remove(waiter.Owner);
        foreach (var key in waiter.Keys)
        {
            if (_waitersByKey.TryGetValue(key, out var ids))
            {
                ids.Remove(waiter.Id);
                if (ids.Count == 0)
                {
                    _waitersByKey.Remove(key);
                }
            }
        }
        _waitersChanged.Add(waiter.Id);
    }

    /// <summary>The changed waiters and incarnations into the batch; the deadline and count the leader and INFO read.</summary>
    private void WriteWaiters()
    {
        foreach (var id in _waitersChanged)
        {
            var key = NumberedKey(WaiterPrefix, (ulong)id);
            if (_waiters.TryGetValue(id, out var waiter))
            {
                _batch!.Put(KvSpace.Meta, key, EncodeWaiter(waiter));
            }
            else
            {
                _batch!.Delete(KvSpace.Meta, key);
            }
        }
        foreach (var node in _incarnationsChanged)
        {
            var value = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(value, _incarnations[node]);
            _batch!.Put(KvSpace.Meta, NumberedKey(IncarnationPrefix, node), value);
        }
    }

    /// <summary>After the batch is written: the changes are stored; the leader's and INFO's figures follow.</summary>
    private void WaitersWritten()
    {
        if (_waitersChanged.Count > 0)
        {
            PublishWaiterFigures();
        }
        _waitersChanged.Clear();
        _incarnationsChanged.Clear();
    }

    private void PublishWaiterFigures()
    {
        var waiting = _waiters.Values.Where(w => w.Return is null).ToList();
        Volatile.Write(ref _waitingCount, waiting.Count);
        Volatile.Write(ref _earliestDeadline, waiting.Where(w => w.Deadline != 0).Select(w => w.Deadline).DefaultIfEmpty(0).Min());
    }

    /// <summary>The waiters as stored: at start, after a restore, and when a batch is executed again.</summary>
    private void LoadWaiters()
    {
        _waiters.Clear();
        _waiterByOwner.Clear();
        _waitersByKey.Clear();
        _incarnations.Clear();
        _waitersChanged.Clear();
        _incarnationsChanged.Clear();
        _ready.Clear();
        _readySet.Clear();
        using (var iterator = _engine.NewIterator(KvSpace.Meta))
        {
            for (iterator.Seek(WaiterPrefix); iterator.Valid && iterator.Key.StartsWith(WaiterPrefix); iterator.Next())
            {
                var id = (long)BinaryPrimitives.ReadUInt64BigEndian(iterator.Key[WaiterPrefix.Length..]);
                Remember(DecodeWaiter(id, iterator.Value));
            }
        }
        using (var iterator = _engine.NewIterator(KvSpace.Meta))
        {
            for (iterator.Seek(IncarnationPrefix); iterator.Valid && iterator.Key.StartsWith(IncarnationPrefix); iterator.Next())
            {
                _incarnations[BinaryPrimitives.ReadUInt64BigEndian(iterator.Key[IncarnationPrefix.Length..])] = BinaryPrimitives.ReadUInt64BigEndian(iterator.Value);
            }
        }
        _waitersChanged.Clear();
        PublishWaiterFigures();
    }

    private static byte[] NumberedKey(byte[] prefix, ulong number)
    {
        var key = new byte[prefix.Length + 8];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(prefix.Length), number);
        return key;
    }

    /// <summary>version (u8) | deadline (i64) | command (bytes) | has return (u8) | return (bytes).</summary>
    private static byte[] EncodeWaiter(Waiter waiter)
    {
        var writer = new WireWriter();
        writer.U8(1);
        writer.I64(waiter.Deadline);
        writer.Bytes(KvCommandCodec.Encode(waiter.Command, 0));
        writer.U8(waiter.Return is null ? (byte)0 : (byte)1);
        if (waiter.Return is { } back)
        {
            writer.Bytes(KvCommandCodec.Encode(back, 0));
        }
        return writer.ToArray();
    }

    private static Waiter DecodeWaiter(long id, ReadOnlySpan<byte> data)
    {
        var reader = new WireReader(data);
        reader.U8();
        var deadline = reader.I64();
        var command = KvCommandCodec.Decode(reader.BytesSpan(), out _);
        var waiter = new Waiter(id, command.Args[0], deadline, command);
        if (reader.U8() == 1)
        {
            waiter.Return = KvCommandCodec.Decode(reader.BytesSpan(), out _);
        }
        return waiter;
    }
}
