using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using Cairn.StateMachine;
using Cairn.Storage;
using Microsoft.Extensions.Logging;

namespace Cairn.Replication;

/// <summary>
/// A single-node <see cref="IKvService"/>: writes from all connections are queued to one apply
/// thread, which takes everything waiting (up to <see cref="MaxBatch"/>), applies it as one engine
/// batch with one fsync (group commit), and then completes each caller with its own reply.
/// A write is acknowledged only after that fsync. Reads are answered from committed state, which
/// on one node already reflects every acknowledged write. A timer proposes deletion of expired keys.
/// </summary>
public sealed partial class LocalKvService : IKvService, IAsyncDisposable
{
    public const int MaxBatch = 4096;
    private const int ExpireCycleKeys = 512;

    private readonly KvStateMachine _machine;
    private readonly IKvEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<PendingReply> _queue = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _applyThread;
    private readonly ITimer _expireTimer;
    private readonly ProposalClock _clock;
    private long _writeBatches;
    private long _writeCommands;
    private long _expiredKeys;
    private long _lastWriteTicks;
    private volatile string? _lastWriteError;
    private int _expireCycleRunning;
    private int _disposed;

    /// <param name="recordCacheBytes">Memory for committed records kept for reads (0 = none).</param>
    public LocalKvService(IKvEngine engine, ILogger<LocalKvService> logger, long recordCacheBytes = 0, TimeProvider? time = null)
    {
        _engine = engine;
        _machine = new KvStateMachine(engine, new RecordCache(recordCacheBytes));
        _time = time ?? TimeProvider.System;
        _clock = new ProposalClock(_time);
        _logger = logger;
        _applyThread = new Thread(ApplyLoop) { IsBackground = true, Name = "cairn-apply" };
        _applyThread.Start();
        _expireTimer = _time.CreateTimer(_ => ExpireCycle(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public ValueTask<KvReply> WriteAsync(KvCommand command, CancellationToken cancellationToken = default)
    {
        if (_stop.IsCancellationRequested)
        {
            return new ValueTask<KvReply>(KvReply.Error("ERR server is shutting down"));
        }
        var pending = new PendingReply(command);
        _queue.Enqueue(pending);
        _signal.Set();
        return new ValueTask<KvReply>(pending.Task);
    }

    public ValueTask<KvReply> ReadAsync(KvCommand command, ReadConsistency consistency, CancellationToken cancellationToken = default) =>
        new(_machine.Query(command, _time.GetUtcNow().ToUnixTimeMilliseconds()));

    public KvServiceStatus GetStatus() => new()
    {
        Role = "master",
        AppliedIndex = _machine.AppliedIndex,
        KeyCount = _machine.KeyCount,
        ExpiresCount = _machine.ExpiresCount,
        WriteBatches = Interlocked.Read(ref _writeBatches),
        WriteCommands = Interlocked.Read(ref _writeCommands),
        ExpiredKeys = Interlocked.Read(ref _expiredKeys),
        LastWriteMilliseconds = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lastWriteTicks)).TotalMilliseconds,
        LastWriteError = _lastWriteError,
        EngineStats =
        [
            .. _engine.GetStats(),
            new("cairn_record_cache_bytes", _machine.Cache.Bytes.ToString()),
            new("cairn_record_cache_entries", _machine.Cache.Count.ToString()),
            new("cairn_record_cache_hits", _machine.Cache.Hits.ToString()),
            new("cairn_record_cache_misses", _machine.Cache.Misses.ToString()),
        ],
    };

    private void ApplyLoop()
    {
        var batch = new List<PendingReply>(MaxBatch);
        var entries = new KvEntry[MaxBatch];
        var replies = new KvReply[MaxBatch];
        while (true)
        {
            try
            {
                _signal.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Shutting down: fall through once more to finish what is queued.
            }
            _signal.Reset();
            while (!_queue.IsEmpty)
            {
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var pending))
                {
                    batch.Add(pending);
                }
                ApplyBatch(batch, entries, replies);
                batch.Clear();
            }
            if (_stop.IsCancellationRequested && _queue.IsEmpty)
            {
                return;
            }
        }
    }

    private void ApplyBatch(List<PendingReply> batch, KvEntry[] entries, KvReply[] replies)
    {
        var timestamp = _clock.Next();
        var index = _machine.AppliedIndex;
        for (var i = 0; i < batch.Count; i++)
        {
            entries[i] = new KvEntry(++index, timestamp, batch[i].Command);
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            _machine.Apply(entries.AsSpan(0, batch.Count), replies.AsSpan(0, batch.Count), sync: true);
            Interlocked.Exchange(ref _lastWriteTicks, Stopwatch.GetTimestamp() - started);
            Interlocked.Increment(ref _writeBatches);
            Interlocked.Add(ref _writeCommands, batch.Count);
            _lastWriteError = null;
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Complete(replies[i]);
            }
        }
        catch (Exception ex)
        {
            // Nothing of the batch was applied: every caller hears so, and the node keeps serving.
            _lastWriteError = ex.Message;
            LogWriteFailed(ex, batch.Count);
            var error = KvReply.Error($"MISCONF Errors writing to the data store: {ex.Message}");
            foreach (var pending in batch)
            {
                pending.Complete(error);
            }
        }
        Array.Clear(entries, 0, batch.Count);
        Array.Clear(replies, 0, batch.Count);
    }

    /// <summary>
    /// Active expiry: proposes deletion of keys whose TTL has passed, like a Redis primary. At most one
    /// cycle is in flight; the flag is cleared when its proposal completes (or when there is none).
    /// </summary>
    private void ExpireCycle()
    {
        if (Interlocked.Exchange(ref _expireCycleRunning, 1) == 1)
        {
            return;
        }
        Task<KvReply>? proposal = null;
        try
        {
            var expired = _machine.FindExpired(_time.GetUtcNow().ToUnixTimeMilliseconds(), ExpireCycleKeys);
            if (expired.Count > 0)
            {
                var args = new byte[expired.Count * 2][];
                for (var i = 0; i < expired.Count; i++)
                {
                    args[2 * i] = expired[i].Key;
                    args[2 * i + 1] = new byte[8];
                    BinaryPrimitives.WriteInt64BigEndian(args[2 * i + 1], expired[i].ExpireAt);
                }
                proposal = WriteAsync(new KvCommand(KvOp.ExpireKeys, args)).AsTask();
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

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _expireTimer.DisposeAsync();
        _stop.Cancel();
        _signal.Set();
        await Task.Run(_applyThread.Join);
        _signal.Dispose();
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Write of a batch of {Count} commands failed; none was applied")]
    private partial void LogWriteFailed(Exception ex, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Active expiry cycle failed")]
    private partial void LogExpireFailed(Exception ex);
}
