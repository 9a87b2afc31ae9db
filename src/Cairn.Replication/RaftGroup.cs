using System.Buffers.Binary;
using System.Collections.Concurrent;
using Cairn.Raft;
using Cairn.StateMachine;
using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn.Replication;

/// <summary>
/// Drives one <see cref="RawNode"/> on its own thread. Each cycle: step peer messages, tick when due, run
/// queued admin work, propose every waiting command as one batch (a follower forwards them to the
/// leader; with no leader they wait, up to the request timeout), ask one read index for every waiting
/// read; then handle the Ready in its order: persist entries and hard state with one Sync, send
/// messages, apply committed entries to the state machine, serve reads whose index is applied, and
/// Advance. A proposal completes only when its own entry (term and index) is applied; if another entry
/// takes its index, it fails.
/// </summary>
public sealed partial class RaftGroup : IAsyncDisposable
{
    private readonly RaftGroupOptions _options;
    private readonly ILogStore _log;
    private readonly KvStateMachine _machine;
    private readonly IRaftTransport? _transport;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _timeoutTicks;
    private RawNode _node;
    private readonly ConcurrentQueue<PendingReply> _proposals = new();
    private readonly ConcurrentQueue<PendingReply> _reads = new();
    private readonly ConcurrentQueue<Message> _inbox = new();
    private int _inboxCount;
    // Rounds of reads handed to the thread pool and not yet answered: disposal waits for them, since they read the store.
    private int _readsInFlight;
    private readonly ConcurrentQueue<Action> _work = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    // Proposals and reads that found no leader: retried each cycle until their deadline.
    private readonly List<PendingReply> _waitingForLeader = [];
    private readonly List<PendingReply> _readsWaitingForLeader = [];
    // Our proposals in the log, by index, with the term they were appended in.
    private readonly Dictionary<ulong, (ulong Term, PendingReply Proposal)> _inLog = [];
    private readonly Dictionary<long, List<PendingReply>> _readRounds = [];
    /// <summary>Rounds with a read index, waiting for this node to apply up to it, in the order they were asked (round id).</summary>
    private readonly List<(ulong Index, List<PendingReply> Reads, long Round)> _readsWaitingForApply = [];
    private long _nextReadRound = System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) * (long)int.MaxValue;
    private long _lastTickTimestamp;
    private ulong _applied;
    private HardState _persistedHard;
    // The last log index known durable here (the in-memory log may hold more while a write fails).
    private ulong _persistedLast;
    private readonly ProposalClock _clock;
    private long _leaderChanges;
    private long _lastSnapshotBytes;
    private long _writeBatches;
    private long _writeCommands;
    private long _lastWriteTicks;
    private volatile string? _lastWriteError;

    public RaftGroup(RaftGroupOptions options, ILogStore log, KvStateMachine machine, IRaftTransport? transport, ILogger logger, TimeProvider? time = null)
    {
        _options = options;
        _log = log;
        _machine = machine;
        _transport = transport;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _timeoutTicks = (long)(options.RequestTimeout.TotalSeconds * _time.TimestampFrequency);
        _clock = new ProposalClock(_time, () => _machine.AppliedTime);
        _forwarder = NewForwarder();
        machine.CommandFaulted = LogCommandFaulted;
        if (options.InitialVoters.Count > 0 && IsEmpty)
        {
            WriteBootstrap(options.InitialVoters);
        }
        LoadMembers();
        CleanSnapshotDirectory();
        _node = CreateNode();
        _lastTickTimestamp = _time.GetTimestamp();
        PublishStatus();
        _thread = new Thread(Run) { IsBackground = true, Name = $"cairn-raft-{options.GroupId}" };
        _thread.Start();
    }

    public SoftState SoftState { get; private set; }

    public ulong AppliedIndex => Volatile.Read(ref _applied);

    public ulong NodeId => _options.NodeId;

    public MemberInfo Self => _options.Self;

    /// <summary>
    /// A linearizable read: served once the applied index reaches a read index taken after the call. Its operands
    /// are checked by Query, which answers a command that breaks them with Redis's error.
    /// </summary>
    public Task<KvReply> ReadAsync(KvCommand command) =>
        command.IsWrite
            ? Task.FromResult(KvReply.Error($"ERR '{command.Op}' is not a query"))
            : Enqueue(_reads, new PendingReply(command, Deadline()));

    /// <summary>Peer messages waiting to be stepped at most; past it more are dropped (Raft resends what matters).</summary>
    public const int MaxInbox = 65_536;

    /// <summary>A message from a peer (the transport calls this from any thread).</summary>
    public void Deliver(Message message)
    {
        if (Interlocked.Increment(ref _inboxCount) > MaxInbox)
        {
            Interlocked.Decrement(ref _inboxCount);
            return;
        }
        _inbox.Enqueue(message);
        _signal.Set();
    }

    private long Deadline() => _time.GetTimestamp() + _timeoutTicks;

    private Task<KvReply> Enqueue(ConcurrentQueue<PendingReply> queue, PendingReply pending)
    {
        if (_stop.IsCancellationRequested)
        {
            pending.Complete(KvReply.Error(Fatal is { } fatal ? $"ERR this node stopped: {fatal.Message}" : "ERR server is shutting down"));
            return pending.Task;
        }
        queue.Enqueue(pending);
        _signal.Set();
        return pending.Task;
    }

    /// <summary>Runs <paramref name="work"/> on the group's thread (between cycles) and returns its result.</summary>
    private Task<T> OnGroupThread<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Enqueue(() =>
        {
            try
            {
                completion.TrySetResult(work());
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        });
        _signal.Set();
        return completion.Task;
    }

    /// <summary>
    /// The group's loop. A failed log write (a full disk) is the one failure a later cycle retries (see Cycle); any other
    /// exception leaves the driver between a Ready and its Advance, so the group stops there (fail-stop) and
    /// <see cref="RaftGroupOptions.OnFatal"/> ends the node: replay on restart recovers, and no cycle ever
    /// retries a Ready it could not handle.
    /// </summary>
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
                Stop(ex);
                return;
            }
        }
        FailEverything("ERR server is shutting down");
    }

    private void Stop(Exception ex)
    {
        LogFatal(ex);
        Fatal = ex;
        _stop.Cancel();
        FailEverything($"ERR this node stopped: {ex.Message}");
        _options.OnFatal?.Invoke(ex);
    }

    /// <summary>Why the group stopped on its own (fail-stop), or null while it runs.</summary>
    public Exception? Fatal { get; private set; }

    private void Cycle()
    {
        while (_inbox.TryDequeue(out var message))
        {
            Interlocked.Decrement(ref _inboxCount);
            try
            {
                _node.Step(message);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
            {
                // A peer's message the core refuses (it checks before it changes state): dropped, never retried.
                LogBadMessage(message.Type.ToString(), message.From, ex.Message);
            }
        }
        var now = _time.GetTimestamp();
        var ticked = false;
        while (_time.GetElapsedTime(_lastTickTimestamp, now) >= _options.TickInterval)
        {
            _node.Tick();
            ticked = true;
            _lastTickTimestamp += (long)(_options.TickInterval.TotalSeconds * _time.TimestampFrequency);
        }
        while (_work.TryDequeue(out var work))
        {
            work();
        }
        ProposeWaiting(now);
        AskReadIndex(now);
        try
        {
            while (_node.HasReady)
            {
                HandleReady(_node.Ready());
            }
        }
        catch (LogWriteFailedException)
        {
            // Logged by Persist; the same Ready is written again next cycle, new writes refused meanwhile. Reads
            // of what is applied are still served, and deadlines still hold.
            ServeReads();
        }
        if (ticked)
        {
            PromoteCaughtUpLearners();
            FailOverdue(now);
            _forwarder.Expire(now);
            PublishStatus();
        }
    }

    private void HandleReady(Ready ready)
    {
        // Taken from the core by Ready(), so recorded first: a failed Persist below must not lose a read's answer.
        // A leader's read index may count its own entries not yet durable (it acknowledges itself on append); no
        // client heard of those (a leader answers only what it applied, after its own write), and every entry an
        // earlier leader acknowledged is durable here (a node votes only once its log is), so the read needs only
        // what is durable: it is not held up by a write in flight, or stuck behind one on a full disk.
        var leading = _node.SoftState.State == StateType.Leader;
        foreach (var read in ready.ReadStates)
        {
            if (read.Context.Length == 16 && BinaryPrimitives.ReadUInt64LittleEndian(read.Context) == NodeId
                && BinaryPrimitives.ReadInt64LittleEndian(read.Context.AsSpan(8)) is var id
                && _readRounds.Remove(id, out var round))
            {
                var at = _readsWaitingForApply.Count;
                while (at > 0 && _readsWaitingForApply[at - 1].Round > id)
                {
                    at--;
                }
                _readsWaitingForApply.Insert(at, (leading ? Math.Min(read.Index, _persistedLast) : read.Index, round, id));
            }
        }
        // Raft thesis §10.2.1: a leader may send its appends while it writes them to its own disk. Safe
        // here because acknowledgements are stepped only after this Ready (and its Persist) is done, so a
        // commit never counts an entry of the leader's that is not durable; after a failed write it stops
        // until a write succeeds. Not while the term or vote is changing: those must be durable first.
        // The role this Ready was made in (it may have changed since the last one: a step-down for CheckQuorum).
        var leads = (ready.SoftState ?? SoftState).State == StateType.Leader;
        var early = leads && _lastWriteError is null && ready.Messages.Count > 0
            && (ready.HardState is not { } changed || (changed.Term == _persistedHard.Term && changed.Vote == _persistedHard.Vote));
        if (early)
        {
            SendMessages(ready.Messages);
        }
        // A leader answers the writes committed by the last round while it syncs the next one, instead
        // of after: only entries already durable here (below this Ready's first entry) and no snapshot.
        // A follower keeps persist-then-apply, so its acknowledgement is not held up by the apply.
        var appliedFirst = 0;
        if (leads && ready.Snapshot is null)
        {
            var durableBound = ready.Entries.Count > 0 ? ready.Entries[0].Index - 1 : ulong.MaxValue;
            while (appliedFirst < ready.CommittedEntries.Count && ready.CommittedEntries[appliedFirst].Index <= durableBound)
            {
                appliedFirst++;
            }
            Apply(ready.CommittedEntries, 0, appliedFirst);
        }
        Persist(ready);
        if (ready.SoftState is { } soft)
        {
            if (soft.Lead != SoftState.Lead)
            {
                Interlocked.Increment(ref _leaderChanges);
            }
            if (soft.Lead != SoftState.Lead || soft.State != SoftState.State)
            {
                LogRoleChanged(soft.State.ToString().ToLowerInvariant(), _node.HardState.Term, soft.Lead == 0 ? "none" : MemberName(soft.Lead));
            }
            SoftState = soft;
            PublishStatus();
        }
        if (ready.Messages.Count > 0 && !early)
        {
            SendMessages(ready.Messages);
        }
        Apply(ready.CommittedEntries, appliedFirst, ready.CommittedEntries.Count);
        ServeReads();
        _node.Advance(ready);
        MaybeSnapshot();
    }

    private void SendMessages(IReadOnlyList<Message> messages)
    {
        if (!messages.Any(m => m.Type == MessageType.Snap))
        {
            _transport?.Send(messages);
            return;
        }
        _transport?.Send(messages.Where(m => m.Type != MessageType.Snap).ToList());
        foreach (var snap in messages.Where(m => m.Type == MessageType.Snap))
        {
            SendSnapshot(snap);
        }
    }

    /// <summary>
    /// Makes the Ready's snapshot, entries and hard state durable. On failure (a full disk) the Ready is
    /// not advanced, so the next cycle tries the same writes again; meanwhile new writes are refused.
    /// </summary>
    private void Persist(Ready ready)
    {
        var groupId = _options.GroupId;
        var started = _time.GetTimestamp();
        try
        {
            if (ready.Snapshot is { } snapshot)
            {
                InstallSnapshot(snapshot);
            }
            _log.Append(groupId, ready.Entries);
            if (ready.HardState is { } hard)
            {
                _log.SetHardState(groupId, hard);
            }
            if (ready.MustSync || ready.HardState is not null)
            {
                _log.Sync();
                RaftMetrics.LogWriteDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
            }
            if (ready.HardState is { } synced)
            {
                _persistedHard = synced;
            }
            if (ready.Snapshot is { } installed)
            {
                _persistedLast = installed.Index;
            }
            if (ready.Entries.Count > 0)
            {
                _persistedLast = ready.Entries[^1].Index;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (_lastWriteError != ex.Message)
            {
                LogPersistFailed(ex);
            }
            _lastWriteError = ex.Message;
            throw new LogWriteFailedException(ex);
        }
        _lastWriteError = null;
        if (ready.Entries.Count > 0)
        {
            Interlocked.Increment(ref _writeBatches);
            Interlocked.Add(ref _writeCommands, ready.Entries.Count);
            Interlocked.Exchange(ref _lastWriteTicks, _time.GetTimestamp() - started);
        }
    }

    /// <summary>Bytes the Raft log takes on disk.</summary>
    public long LogBytes => _log.DiskBytes;

    /// <summary>Log writes (one fsync each) that carried entries, since start.</summary>
    public long WriteBatches => Interlocked.Read(ref _writeBatches);

    /// <summary>Entries written to the log since start.</summary>
    public long WriteCommands => Interlocked.Read(ref _writeCommands);

    public TimeSpan LastWriteDuration => _time.GetElapsedTime(0, Interlocked.Read(ref _lastWriteTicks));

    /// <summary>Why the last log write failed, or null once one succeeds.</summary>
    public string? LastWriteError => _lastWriteError;

    /// <summary>Fails, with an error that says why, every request past its deadline.</summary>
    private void FailOverdue(long now)
    {
        foreach (var (index, (_, proposal)) in _inLog.Where(p => now > p.Value.Proposal.Deadline).ToList())
        {
            _inLog.Remove(index);
            proposal.Complete(KvReply.Error(UnknownOutcome($"not committed within {(long)_options.RequestTimeout.TotalMilliseconds} ms")), WriteOutcome.Unknown);
        }
        foreach (var (id, round) in _readRounds.Where(r => r.Value.TrueForAll(p => now > p.Deadline)).ToList())
        {
            _readRounds.Remove(id);
            round.ForEach(r => r.Complete(KvReply.Error($"CLUSTERDOWN the leader did not confirm a read index within {(long)_options.RequestTimeout.TotalMilliseconds} ms")));
        }
        // A read index confirmed, but this node cannot apply up to it (cut off from the leader after the round).
        for (var i = _readsWaitingForApply.Count - 1; i >= 0; i--)
        {
            var (index, round, _) = _readsWaitingForApply[i];
            if (round.TrueForAll(p => now > p.Deadline))
            {
                _readsWaitingForApply.RemoveAt(i);
                round.ForEach(r => r.Complete(KvReply.Error($"CLUSTERDOWN this node did not apply the log up to the read index ({index}) within {(long)_options.RequestTimeout.TotalMilliseconds} ms")));
            }
        }
    }

    private void FailEverything(string error)
    {
        // Writes in the log, or out to the leader, may yet be applied: their outcome is unknown.
        var unknown = UnknownOutcome(error.StartsWith("ERR ", StringComparison.Ordinal) ? error[4..] : error);
        _forwarder.FailAll(unknown, error);
        foreach (var (_, (_, proposal)) in _inLog)
        {
            proposal.Complete(KvReply.Error(unknown), WriteOutcome.Unknown);
        }
        foreach (var pending in _proposals.Concat(_reads).Concat(_waitingForLeader).Concat(_readsWaitingForLeader))
        {
            pending.Complete(KvReply.Error(error));
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
        // Also after a fail-stop, which ended the thread already: its reads on the pool may still be running.
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            _signal.Set();
        }
        await Task.Run(_thread.Join);
        await WaitForReadsAsync();
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Critical, Message = "The Raft group cannot go on and has stopped; the node exits (replay recovers on restart)")]
    private partial void LogFatal(Exception ex);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "Dropped a {Type} message from {From:x16} that the Raft core refused: {Reason}")]
    private partial void LogBadMessage(string type, ulong from, string reason);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Error, Message = "Applying log entry {Index} failed inside the command; every replica answers it with an error and goes on")]
    private partial void LogCommandFaulted(long index, Exception ex);

    /// <summary>A log write failed (logged, and refused writes say so); the cycle that hit it ends, the Ready is kept.</summary>
    private sealed class LogWriteFailedException(Exception inner) : Exception(inner.Message, inner);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Warning, Message = "The store had applied up to {Index}, past the end of the log: the log restarts there (a sole voter)")]
    private partial void LogLogRestartedAtStore(ulong index);

    [LoggerMessage(EventId = 2116, Level = LogLevel.Warning, Message = "The store has applied up to {Applied}, past the end of the log ({Last}): the leader sends the missing entries again")]
    private partial void LogStoreAheadOfLog(ulong applied, ulong last);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Skipping undecodable log entry {Index}: {Reason}")]
    private partial void LogBadEntry(ulong index, string reason);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Error, Message = "Writing the Raft log failed; writes are refused until it succeeds")]
    private partial void LogPersistFailed(Exception ex);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Raft role {Role}, term {Term}, leader {Leader}")]
    private partial void LogRoleChanged(string role, ulong term, string leader);
}
