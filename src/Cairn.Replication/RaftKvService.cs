using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using Cairn.Raft;
using Cairn.Replication.Wire;
using Cairn.StateMachine;
using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn.Replication;

/// <summary>
/// The <see cref="IKvService"/> of a node: writes go through the node's <see cref="RaftGroup"/> (a
/// one-member group when alone: the same path), linearizable reads through ReadIndex (answered
/// locally when this node is the only voter and leads: then every acknowledged write is applied),
/// stale reads from local state. It answers peers' requests (forwarded writes, membership changes)
/// and, on the leader only, proposes deletion of expired keys.
/// </summary>
public sealed partial class RaftKvService : IKvService, IPeerHandler, IAsyncDisposable
{
    private const int ExpireCycleKeys = 512;

    private readonly RaftGroup _group;
    private readonly KvStateMachine _machine;
    private readonly IKvEngine _engine;
    private readonly IPeerTransport? _transport;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _expireTimer;
    private readonly SnapshotReceiver _snapshots;
    private long _expiredKeys;
    private long _droppedMessages;
    private int _expireCycleRunning;
    private int _disposed;

    public RaftKvService(RaftGroup group, KvStateMachine machine, IKvEngine engine, IPeerTransport? transport, TimeSpan requestTimeout, ILogger logger, TimeProvider? time = null)
    {
        _group = group;
        _machine = machine;
        _engine = engine;
        _transport = transport;
        _requestTimeout = requestTimeout;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _snapshots = new SnapshotReceiver(group.SnapshotRoot);
        machine.MessagesPublished = HandOut;
        machine.ClientsUnblocked = HandOutUnblocked;
        // Ordered across this node's restarts (a later process has a larger one), so a restart releases the earlier ones' waits.
        Incarnation = ((ulong)_time.GetUtcNow().ToUnixTimeMilliseconds() << 16) | (ushort)Random.Shared.Next(1 << 16);
        _expireTimer = _time.CreateTimer(_ => ExpireCycle(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public RaftGroup Group => _group;

    /// <summary>Peer messages dropped since start: sent in another node's name, or not allowed alone.</summary>
    public long DroppedPeerMessages => Interlocked.Read(ref _droppedMessages);

    public GroupStatus Cluster => _group.Status;

    public event Action<IReadOnlyList<PubSubMessage>>? MessagesPublished;

    public event Action<IReadOnlyList<UnblockedClient>>? ClientsUnblocked;

    /// <summary>This process's incarnation: the waits of this node's earlier processes end once it is released (<see cref="BlockingOp.Release"/>).</summary>
    public ulong Incarnation { get; }

    public BlockOwner BlockOwner(ulong token) => new(_group.NodeId, Incarnation, token);

    public int WaitingClients => _machine.WaitingCount;

    private void HandOutUnblocked(IReadOnlyList<UnblockedClient> clients)
    {
        try
        {
            var mine = clients.Where(c => c.Owner.Node == _group.NodeId && c.Owner.Incarnation == Incarnation).ToList();
            if (mine.Count > 0)
            {
                ClientsUnblocked?.Invoke(mine);
            }
        }
        catch (Exception ex)
        {
            LogHandOutFailed(ex, clients.Count);
        }
    }

    public KeyspaceEvents KeyspaceEvents
    {
        get => _machine.KeyspaceEvents;
        set => _machine.KeyspaceEvents = value;
    }

    public async ValueTask<bool> WaitForAppliedAsync(long index)
    {
        if (_machine.AppliedIndex >= index)
        {
            return true;
        }
        try
        {
            await _machine.WaitForAppliedAsync(index, CancellationToken.None).WaitAsync(_requestTimeout, _time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void HandOut(IReadOnlyList<PubSubMessage> messages)
    {
        try
        {
            MessagesPublished?.Invoke(messages);
        }
        catch (Exception ex)
        {
            // A subscriber's bug must not stop the apply loop: the messages are lost to this node's subscribers only.
            LogHandOutFailed(ex, messages.Count);
        }
    }

    public ValueTask<KvReply> WriteAsync(KvCommand command, CancellationToken cancellationToken = default) =>
        new(_group.ProposeAsync(command));

    public ValueTask<KvReply> ReadAsync(KvCommand command, ReadConsistency consistency, CancellationToken cancellationToken = default)
    {
        var status = _group.Status;
        if (consistency == ReadConsistency.Stale || (status.IsLeader && status.SoleVoter))
        {
            return new ValueTask<KvReply>(_machine.Query(command, _machine.ReadTime(_time.GetUtcNow().ToUnixTimeMilliseconds())));
        }
        return new ValueTask<KvReply>(_group.ReadAsync(command));
    }

    public async IAsyncEnumerable<IReadOnlyList<KvEvent>> WatchAsync(ReadOnlyMemory<byte> prefix, long startRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = startRevision > 0 ? startRevision : _machine.AppliedIndex + 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var events = _machine.ReadEvents(next, KvStateMachine.MaxEventsPerRead, out var after);
            var matching = events.Where(e => e.Kind == KvEventKind.Flush || e.Key.AsSpan().StartsWith(prefix.Span)).ToList();
            if (matching.Count > 0)
            {
                yield return matching;
            }
            next = after;
            await _machine.WaitForAppliedAsync(next, cancellationToken).ConfigureAwait(false);
        }
    }

    public KvServiceStatus GetStatus()
    {
        var cluster = _group.Status;
        return new KvServiceStatus
        {
            // Every node takes writes (followers forward them): to a Redis client each one is a master.
            Role = "master",
            AppliedIndex = _machine.AppliedIndex,
            OldestRevision = _machine.EventsFloor,
            KeyCount = _machine.KeyCount,
            ExpiresCount = _machine.ExpiresCount,
            WriteBatches = _group.WriteBatches,
            WriteCommands = _group.WriteCommands,
            ExpiredKeys = Interlocked.Read(ref _expiredKeys),
            LastWriteMilliseconds = _group.LastWriteDuration.TotalMilliseconds,
            LogBytes = _group.LogBytes,
            LastWriteError = _group.LastWriteError,
            PeersRefused = _transport?.RefusedPeers ?? 0,
            PeerMessagesDropped = DroppedPeerMessages,
            EngineStats =
            [
                .. _engine.GetStats(),
                new("cairn_record_cache_bytes", _machine.Cache.Bytes.ToString(CultureInfo.InvariantCulture)),
                new("cairn_record_cache_entries", _machine.Cache.Count.ToString(CultureInfo.InvariantCulture)),
                new("cairn_record_cache_hits", _machine.Cache.Hits.ToString(CultureInfo.InvariantCulture)),
                new("cairn_record_cache_misses", _machine.Cache.Misses.ToString(CultureInfo.InvariantCulture)),
                new("cairn_key_index_keys", _machine.KeyIndex.Count.ToString(CultureInfo.InvariantCulture)),
                new("cairn_key_index_bytes", _machine.KeyIndex.Bytes.ToString(CultureInfo.InvariantCulture)),
            ],
        };
    }

    public Task<KvReply> InitClusterAsync() => _group.BootstrapAsync();

    public async Task<KvReply> JoinClusterAsync(IReadOnlyList<string> raftAddresses, CancellationToken cancellationToken = default)
    {
        if (_transport is null)
        {
            return KvReply.Error("ERR this node has no peer transport");
        }
        if (_group.Status.Role != "uninitialized")
        {
            return KvReply.Error("ERR Already cluster member");
        }
        var self = _group.Self;
        var errors = new List<string>();
        foreach (var address in raftAddresses)
        {
            try
            {
                var reply = PeerPayload.ReadReply(await _transport.RequestAsync(address, PeerPayload.AddNode(self, forwarded: false), _requestTimeout, cancellationToken));
                if (!reply.IsError || reply.Text!.Contains("already exists", StringComparison.Ordinal))
                {
                    LogJoined(address);
                    return KvReply.Ok;
                }
                errors.Add($"{address}: {reply.Text}");
            }
            catch (Exception ex) when (ex is PeerUnavailableException or FormatException)
            {
                errors.Add($"{address}: {ex.Message}");
            }
        }
        return KvReply.Error("ERR failed to join the cluster: " + string.Join("; ", errors));
    }

    public Task<KvReply> AddNodeAsync(string name, string raftAddress, bool stayLearner = false) =>
        AddMemberAsync(new MemberInfo(MemberInfo.IdOf(name), name, raftAddress, "", stayLearner), forwarded: false);

    public Task<KvReply> RemoveNodeAsync(string node)
    {
        var member = FindMember(node);
        return member is null
            ? Task.FromResult(KvReply.Error("ERR node id does not exist"))
            : RemoveMemberAsync(member.Id, forwarded: false);
    }

    /// <summary>A member named by its node id or its Raft id (decimal or 16 hex digits).</summary>
    private MemberStatus? FindMember(string node) =>
        _group.Status.Members.FirstOrDefault(m => m.Name == node || m.Id.ToString(CultureInfo.InvariantCulture) == node || m.Id.ToString("x16") == node);

    public Task<KvReply> SnapshotAsync() => _group.SnapshotAsync();

    public Task<KvReply> CheckAsync() => CheckDigestsAsync();

    public Task<KvReply> DisarmAlarmAsync() => _group.DisarmAlarmAsync();

    public Task<KvReply> TransferLeaderAsync(string? node)
    {
        if (node is null)
        {
            return _group.TransferLeaderAsync(0);
        }
        var member = FindMember(node);
        return member is null
            ? Task.FromResult(KvReply.Error("ERR node id does not exist"))
            : _group.TransferLeaderAsync(member.Id);
    }

    private async Task<KvReply> AddMemberAsync(MemberInfo member, bool forwarded) =>
        _group.Status.IsLeader || forwarded
            ? await _group.ChangeMembershipAsync(new ConfChange(ConfChangeType.AddLearner, member.Id, member.Encode()))
            : await ToLeaderAsync(PeerPayload.AddNode(member, forwarded: true));

    private async Task<KvReply> RemoveMemberAsync(ulong id, bool forwarded)
    {
        if (_group.Status is { IsLeader: true } status && id == status.NodeId && status.Members.Count(m => m.Voter) > 1)
        {
            // A leader removing itself hands leadership over first and asks the new leader to remove it, so the
            // others do not sit out an election timeout after the removal commits (they may not know it has).
            var moved = await _group.TransferLeaderAsync(0);
            return moved.IsError ? moved : await ToLeaderAsync(PeerPayload.RemoveNode(id, forwarded: true));
        }
        return _group.Status.IsLeader || forwarded
            ? await _group.ChangeMembershipAsync(new ConfChange(ConfChangeType.RemoveNode, id))
            : await ToLeaderAsync(PeerPayload.RemoveNode(id, forwarded: true));
    }

    private async Task<KvReply> ToLeaderAsync(byte[] request)
    {
        var leader = _group.Status.LeaderId;
        var address = leader == 0 ? null : _transport?.AddressOf(leader);
        if (address is null)
        {
            return KvReply.Error("CLUSTERDOWN no leader");
        }
        try
        {
            return PeerPayload.ReadReply(await _transport!.RequestAsync(address, request, _requestTimeout));
        }
        catch (Exception ex) when (ex is PeerUnavailableException or FormatException)
        {
            return KvReply.Error($"TIMEOUT no answer from the leader: {ex.Message}; the change may or may not have been made");
        }
    }

    public void OnMessage(ulong from, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || payload[0] != (byte)PeerPayloadKind.RaftMessages)
        {
            throw new FormatException("not a Raft message batch");
        }
        foreach (var message in MessageCodec.Read(payload[1..]))
        {
            // A message speaks for its authenticated sender only. TransferLeader is etcd's exception: its From names the
            // transferee, and a follower passes it on to the leader. A Snap travels with its data (SnapshotInstall), never alone.
            if ((message.From != from && message.Type != MessageType.TransferLeader) || message.Type == MessageType.Snap)
            {
                Interlocked.Increment(ref _droppedMessages);
                LogDroppedMessage(message.Type.ToString(), message.From, from);
                continue;
            }
            _group.Deliver(message);
        }
    }

    public async Task<byte[]> OnRequestAsync(ulong from, byte[] payload)
    {
        if (payload.Length < 2)
        {
            throw new FormatException("request too short");
        }
        var forwarded = payload[1] != 0;
        var reply = (PeerPayloadKind)payload[0] switch
        {
            PeerPayloadKind.Forward => await _group.ProposeForwardedAsync(KvCommandCodec.Decode(payload.AsSpan(2), out _)),
            PeerPayloadKind.ForwardBatch => await ProposeForwardedBatchAsync(PeerPayload.ReadForwardBatch(payload.AsSpan(2))),
            PeerPayloadKind.ForwardSession => await ProposeForwardedSessionAsync(PeerPayload.ReadForwardSession(payload.AsSpan(2))),
            PeerPayloadKind.DigestAt when payload.Length == 10 => await DigestAtAsync(BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(2))),
            PeerPayloadKind.AddNode => await AddMemberAsync(MemberInfo.Decode(payload.AsSpan(2)), forwarded),
            PeerPayloadKind.RemoveNode => await RemoveMemberAsync(BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(2)), forwarded),
            PeerPayloadKind.SnapshotChunk => ReceiveChunk(from, payload.AsSpan(2)),
            PeerPayloadKind.SnapshotInstall => await InstallSnapshotAsync(from, payload.AsMemory(2)),
            _ => throw new FormatException($"unknown request kind {payload[0]}"),
        };
        return PeerPayload.Reply(reply);
    }

    /// <summary>Enqueued in order before the first await, so they are proposed in the follower's order.</summary>
    private async Task<KvReply> ProposeForwardedBatchAsync(List<KvCommand> commands)
    {
        var replies = commands.Select(_group.ProposeForwardedAsync).ToArray();
        return KvReply.Array(await Task.WhenAll(replies));
    }

    /// <summary>Enqueued in order before the first await, as <see cref="ProposeForwardedBatchAsync"/>.</summary>
    private async Task<KvReply> ProposeForwardedSessionAsync(List<ForwardedWrite> writes)
    {
        var results = writes.Select(_group.ProposeForwardedAsync).ToArray();
        return PeerPayload.ForwardResults(await Task.WhenAll(results));
    }

    private KvReply ReceiveChunk(ulong from, ReadOnlySpan<byte> body)
    {
        var data = PeerPayload.ReadSnapshotChunk(body, out var transfer, out var file, out var offset);
        try
        {
            _snapshots.Chunk(from, transfer, file, offset, data);
            return KvReply.Ok;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return KvReply.Error("ERR snapshot chunk refused: " + ex.Message);
        }
    }

    private async Task<KvReply> InstallSnapshotAsync(ulong from, ReadOnlyMemory<byte> body)
    {
        var (transfer, files, snap) = PeerPayload.ReadSnapshotInstall(body.Span);
        if (snap.Type != MessageType.Snap || snap.Snapshot is null || snap.From != from)
        {
            throw new FormatException("a snapshot install must carry the sender's Snap message");
        }
        string directory;
        try
        {
            directory = _snapshots.Complete(from, transfer, files);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return KvReply.Error("ERR snapshot refused: " + ex.Message);
        }
        try
        {
            await _group.ReceiveSnapshotAsync(snap, directory);
            return KvReply.Ok;
        }
        catch (Exception ex)
        {
            LogSnapshotInstallFailed(ex);
            return KvReply.Error("ERR installing the snapshot failed: " + ex.Message);
        }
    }

    /// <summary>
    /// Active expiry, on the leader only (like a Redis primary): proposes deletion of keys whose TTL has
    /// passed. At most one cycle is in flight; the flag is cleared when its proposal completes.
    /// </summary>
    private void ExpireCycle()
    {
        BlockingCycle();
        if (!_group.Status.IsLeader || Interlocked.Exchange(ref _expireCycleRunning, 1) == 1)
        {
            return;
        }
        Task<KvReply>? proposal = null;
        try
        {
            var expired = _machine.FindExpired(_machine.ReadTime(_time.GetUtcNow().ToUnixTimeMilliseconds()), ExpireCycleKeys);
            if (expired.Count > 0)
            {
                var args = new byte[expired.Count * 2][];
                for (var i = 0; i < expired.Count; i++)
                {
                    args[2 * i] = expired[i].Key;
                    args[2 * i + 1] = new byte[8];
                    BinaryPrimitives.WriteInt64BigEndian(args[2 * i + 1], expired[i].ExpireAt);
                }
                proposal = _group.ProposeAsync(new KvCommand(KvOp.ExpireKeys, args));
            }
        }
        catch (Exception ex)
        {
            LogExpireFailed(ex);
        }
        if (proposal is null)
        {
            Volatile.Write(ref _expireCycleRunning, 0);
            return;
        }
        proposal.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && !t.Result.IsError)
            {
                Interlocked.Add(ref _expiredKeys, t.Result.Integer);
            }
            Volatile.Write(ref _expireCycleRunning, 0);
        }, TaskScheduler.Default);
    }

    private int _blockingCycleRunning;
    private int _released;

    /// <summary>
    /// Once per process, as soon as a leader takes it: this incarnation releases the waits of the node's earlier ones
    /// (their clients went with them; pops they left in flight go back). On the leader: blocked clients past their
    /// deadline are unblocked, by its clock (the entry's time).
    /// </summary>
    private void BlockingCycle()
    {
        var status = _group.Status;
        if (Interlocked.Exchange(ref _blockingCycleRunning, 1) == 1)
        {
            return;
        }
        Task<KvReply>? proposal = null;
        if (Volatile.Read(ref _released) == 0 && status.LeaderId != 0)
        {
            var node = new byte[8];
            var incarnation = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(node, _group.NodeId);
            BinaryPrimitives.WriteUInt64BigEndian(incarnation, Incarnation);
            proposal = _group.ProposeAsync(new KvCommand(KvOps.Of(BlockingOp.Release), [node, incarnation]))
                .ContinueWith(t =>
                {
                    if (t.IsCompletedSuccessfully && !t.Result.IsError)
                    {
                        Volatile.Write(ref _released, 1);
                    }
                    return t.IsCompletedSuccessfully ? t.Result : KvReply.Error("ERR release failed");
                }, TaskScheduler.Default);
        }
        else if (status.IsLeader && _machine.EarliestBlockDeadline is var deadline and > 0
            && deadline <= _machine.ReadTime(_time.GetUtcNow().ToUnixTimeMilliseconds()))
        {
            proposal = _group.ProposeAsync(new KvCommand(KvOps.Of(BlockingOp.Timeouts), []));
        }
        if (proposal is null)
        {
            Volatile.Write(ref _blockingCycleRunning, 0);
            return;
        }
        proposal.ContinueWith(_ => Volatile.Write(ref _blockingCycleRunning, 0), TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _expireTimer.DisposeAsync();
        if (_checkTimer is not null)
        {
            await _checkTimer.DisposeAsync();
        }
        await _group.DisposeAsync();
    }

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Dropped a {Type} message that names {From:x16} as its sender, from peer {Peer:x16}")]
    private partial void LogDroppedMessage(string type, ulong from, ulong peer);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Handing {Count} published messages to this node's subscribers failed")]
    private partial void LogHandOutFailed(Exception ex, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Active expiry cycle failed")]
    private partial void LogExpireFailed(Exception ex);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Installing a snapshot from the leader failed")]
    private partial void LogSnapshotInstallFailed(Exception ex);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Asked {Address} to add this node to its cluster; it was accepted as a learner")]
    private partial void LogJoined(string address);
}
