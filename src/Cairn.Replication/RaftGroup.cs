using System.Buffers.Binary;
using System.Collections.Concurrent;
using Cairn.Raft;
using Cairn.StateMachine;
using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn.Replication;

/// <summary>
/// Drives one <see cref="RawNode"/> on its own thread. Each cycle: step peer messages, tick when due,
/// propose every waiting command as one batch, ask one read index for every waiting read; then handle
/// the Ready in its order: persist entries and hard state with one Sync, send messages, apply committed
/// entries to the state machine, serve reads whose index is applied, and Advance. A proposal completes
/// only when its own entry (term and index) is applied; if another entry takes its index, it fails.
/// </summary>
public sealed partial class RaftGroup : IAsyncDisposable
{
    private readonly RaftGroupOptions _options;
    private readonly ILogStore _log;
    private readonly KvStateMachine _machine;
    private readonly IRaftTransport? _transport;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RawNode _node;
    private readonly ConcurrentQueue<PendingReply> _proposals = new();
    private readonly ConcurrentQueue<PendingReply> _reads = new();
    private readonly ConcurrentQueue<Message> _inbox = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    // Our proposals in the log, by index, with the term they were appended in.
    private readonly Dictionary<ulong, (ulong Term, PendingReply Proposal)> _inLog = [];
    private readonly Dictionary<long, List<PendingReply>> _readRounds = [];
    private readonly List<(ulong Index, List<PendingReply> Reads)> _readsWaitingForApply = [];
    private long _nextReadRound;
    private long _lastTickTimestamp;
    private ulong _applied;
    private readonly ProposalClock _clock;

    public RaftGroup(RaftGroupOptions options, ILogStore log, KvStateMachine machine, IRaftTransport? transport, ILogger logger, TimeProvider? time = null)
    {
        _options = options;
        _log = log;
        _machine = machine;
        _transport = transport;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _clock = new ProposalClock(_time);
        var storage = log.Storage(options.GroupId);
        if (storage.LastIndex() == 0 && storage.Conf().Voters.Count == 0 && options.InitialVoters.Count > 0)
        {
            log.SetConf(options.GroupId, new ConfState(options.InitialVoters, []));
            log.Sync();
        }
        // The state machine is durable up to its applied index; committed entries after it are redelivered.
        _applied = Math.Min((ulong)machine.AppliedIndex, storage.InitialState().Commit);
        _node = new RawNode(new RaftConfig
        {
            Id = options.NodeId,
            GroupId = options.GroupId,
            ElectionTicks = options.ElectionTicks,
            HeartbeatTicks = options.HeartbeatTicks,
            Applied = _applied,
            Seed = HashCode.Combine(options.NodeId, options.GroupId, Environment.ProcessId),
        }, storage);
        if (storage.Conf().Voters is [var only] && only == options.NodeId)
        {
            // Alone: no one to wait for.
            _node.Campaign();
        }
        _lastTickTimestamp = _time.GetTimestamp();
        _thread = new Thread(Run) { IsBackground = true, Name = $"cairn-raft-{options.GroupId}" };
        _thread.Start();
    }

    public SoftState SoftState { get; private set; }

    public ulong AppliedIndex => Volatile.Read(ref _applied);

    /// <summary>Proposes a write; completes with the state machine's reply once applied, or an error naming why it cannot.</summary>
    public Task<KvReply> ProposeAsync(KvCommand command)
    {
        var proposal = new PendingReply(command);
        _proposals.Enqueue(proposal);
        _signal.Set();
        return proposal.Task;
    }

    /// <summary>A linearizable read: served once the applied index reaches a read index taken after the call.</summary>
    public Task<KvReply> ReadAsync(KvCommand command)
    {
        var read = new PendingReply(command);
        _reads.Enqueue(read);
        _signal.Set();
        return read.Task;
    }

    /// <summary>A message from a peer (the transport calls this from any thread).</summary>
    public void Deliver(Message message)
    {
        _inbox.Enqueue(message);
        _signal.Set();
    }

    private void Run()
    {
        while (!_stop.IsCancellationRequested)
        {
            _signal.Wait(_options.TickInterval / 2, CancellationToken.None);
            _signal.Reset();
            try
            {
                Cycle();
            }
            catch (Exception ex)
            {
                LogCycleFailed(ex);
            }
        }
        FailEverything("ERR server is shutting down");
    }

    private void Cycle()
    {
        while (_inbox.TryDequeue(out var message))
        {
            _node.Step(message);
        }
        var now = _time.GetTimestamp();
        while (_time.GetElapsedTime(_lastTickTimestamp, now) >= _options.TickInterval)
        {
            _node.Tick();
            _lastTickTimestamp += (long)(_options.TickInterval.TotalSeconds * _time.TimestampFrequency);
        }
        ProposeWaiting();
        AskReadIndex();
        while (_node.HasReady)
        {
            HandleReady(_node.Ready());
        }
    }

    private void ProposeWaiting()
    {
        if (_proposals.IsEmpty)
        {
            return;
        }
        var batch = new List<PendingReply>();
        while (batch.Count < _options.MaxBatch && _proposals.TryDequeue(out var proposal))
        {
            batch.Add(proposal);
        }
        if (SoftState.State != StateType.Leader)
        {
            // Forwarding to the leader comes with the peer transport; until then, say why.
            var reason = SoftState.Lead == 0 ? "CLUSTERDOWN no leader" : $"CLUSTERDOWN not the leader (node {SoftState.Lead} leads); forwarding is not available yet";
            foreach (var proposal in batch)
            {
                proposal.Complete(KvReply.Error(reason));
            }
            return;
        }
        var timestamp = _clock.Next();
        var payloads = new ReadOnlyMemory<byte>[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            payloads[i] = KvCommandCodec.Encode(batch[i].Command, timestamp);
        }
        var first = _node.LastIndex + 1;
        _node.ProposeBatch(payloads);
        var term = _node.HardState.Term;
        for (var i = 0; i < batch.Count; i++)
        {
            _inLog[first + (ulong)i] = (term, batch[i]);
        }
    }

    private void AskReadIndex()
    {
        if (_reads.IsEmpty)
        {
            return;
        }
        var round = new List<PendingReply>();
        while (_reads.TryDequeue(out var read))
        {
            round.Add(read);
        }
        var id = ++_nextReadRound;
        var context = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(context, id);
        try
        {
            _node.ReadIndex(context);
            _readRounds[id] = round;
        }
        catch (ProposalDroppedException)
        {
            foreach (var read in round)
            {
                read.Complete(KvReply.Error("CLUSTERDOWN no leader"));
            }
        }
    }

    private void HandleReady(Ready ready)
    {
        var groupId = _options.GroupId;
        if (ready.Snapshot is { } snapshot)
        {
            _log.InstallSnapshot(groupId, snapshot);
        }
        _log.Append(groupId, ready.Entries);
        if (ready.HardState is { } hard)
        {
            _log.SetHardState(groupId, hard);
        }
        if (ready.MustSync || ready.HardState is not null)
        {
            _log.Sync();
        }
        if (ready.SoftState is { } soft)
        {
            SoftState = soft;
        }
        if (ready.Messages.Count > 0)
        {
            _transport?.Send(ready.Messages);
        }
        Apply(ready.CommittedEntries);
        foreach (var read in ready.ReadStates)
        {
            var id = BinaryPrimitives.ReadInt64LittleEndian(read.Context);
            if (_readRounds.Remove(id, out var round))
            {
                _readsWaitingForApply.Add((read.Index, round));
            }
        }
        ServeReads();
        _node.Advance(ready);
    }

    private void Apply(IReadOnlyList<Entry> committed)
    {
        if (committed.Count == 0)
        {
            return;
        }
        var entries = new List<KvEntry>(committed.Count);
        // KvStateMachine counts log positions as long; Raft indexes stay far below 2^63.
        var owners = new List<PendingReply?>(committed.Count);
        foreach (var entry in committed)
        {
            PendingReply? owner = null;
            if (_inLog.Remove(entry.Index, out var ours))
            {
                if (ours.Term == entry.Term)
                {
                    owner = ours.Proposal;
                }
                else
                {
                    ours.Proposal.Complete(KvReply.Error("ERR the write was lost in a leader change; it was not applied"));
                }
            }
            if (entry.Type != EntryType.Normal || entry.Data.Length == 0)
            {
                owner?.Complete(KvReply.Ok);
                continue;
            }
            KvCommand command;
            long timestamp;
            try
            {
                command = KvCommandCodec.Decode(entry.Data.Span, out timestamp);
            }
            catch (FormatException ex)
            {
                // Every node skips the same undecodable entry, so state stays identical.
                LogBadEntry(entry.Index, ex.Message);
                owner?.Complete(KvReply.Error("ERR internal: undecodable command"));
                continue;
            }
            entries.Add(new KvEntry((long)entry.Index, timestamp, command));
            owners.Add(owner);
        }
        if (entries.Count > 0)
        {
            var replies = new KvReply[entries.Count];
            // The Raft log is the durability boundary: the state machine need not sync.
            _machine.Apply(entries.ToArray(), replies, sync: false);
            for (var i = 0; i < replies.Length; i++)
            {
                owners[i]?.Complete(replies[i]);
            }
        }
        Volatile.Write(ref _applied, committed[^1].Index);
    }

    private void ServeReads()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = _readsWaitingForApply.Count - 1; i >= 0; i--)
        {
            var (index, reads) = _readsWaitingForApply[i];
            if (index > _applied)
            {
                continue;
            }
            foreach (var read in reads)
            {
                read.Complete(_machine.Query(read.Command, now));
            }
            _readsWaitingForApply.RemoveAt(i);
        }
    }

    private void FailEverything(string error)
    {
        foreach (var (_, (_, proposal)) in _inLog)
        {
            proposal.Complete(KvReply.Error(error));
        }
        while (_proposals.TryDequeue(out var proposal))
        {
            proposal.Complete(KvReply.Error(error));
        }
        while (_reads.TryDequeue(out var read))
        {
            read.Complete(KvReply.Error(error));
        }
        foreach (var round in _readRounds.Values.Concat(_readsWaitingForApply.Select(r => r.Reads)))
        {
            foreach (var read in round)
            {
                read.Complete(KvReply.Error(error));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _signal.Set();
        await Task.Run(_thread.Join);
        _signal.Dispose();
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Raft cycle failed")]
    private partial void LogCycleFailed(Exception ex);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Skipping undecodable log entry {Index}: {Reason}")]
    private partial void LogBadEntry(ulong index, string reason);
}
