using System.Buffers.Binary;
using Cairn.Raft;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>
/// Linearizable reads: every waiting read joins one ReadIndex round per cycle; once the applied index reaches a
/// round's index its reads are served, from the record cache in place or from the store on the thread pool.
/// </summary>
public sealed partial class RaftGroup
{
    private void AskReadIndex(long now)
    {
        if (_reads.IsEmpty && _readsWaitingForLeader.Count == 0)
        {
            return;
        }
        var round = new List<PendingReply>(_readsWaitingForLeader);
        _readsWaitingForLeader.Clear();
        while (_reads.TryDequeue(out var read))
        {
            round.Add(read);
        }
        // The leader keeps one pending round per context, from every node: a context names its node, and rounds
        // count from a random start, so neither another node's round nor one from before a restart shares it.
        var id = ++_nextReadRound;
        var context = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(context, NodeId);
        BinaryPrimitives.WriteInt64LittleEndian(context.AsSpan(8), id);
        try
        {
            _node.ReadIndex(context);
            _readRounds[id] = round;
        }
        catch (ProposalDroppedException)
        {
            foreach (var read in round)
            {
                if (now > read.Deadline)
                {
                    read.Complete(KvReply.Error(NoLeaderError()));
                }
                else
                {
                    _readsWaitingForLeader.Add(read);
                }
            }
        }
    }

    /// <summary>
    /// Serves every round whose read index is applied, oldest first. A GET whose record is in the record cache is
    /// answered here (bounded work, and no thread hop on the hot path); every other read goes to the thread pool, so
    /// reads of the store (a KEYS over a large store, a 512 MB GET) never run on this thread and cannot hold up
    /// heartbeats. Reads are answered from states in the order they were asked (a pipeline's reads never go back):
    /// the pool's batches run one after another, and while one is queued or running no read is answered here, they
    /// queue behind it. Query is total, so nothing thrown there reaches the group.
    /// </summary>
    private void ServeReads()
    {
        var now = _machine.ReadTime(_time.GetUtcNow().ToUnixTimeMilliseconds());
        List<PendingReply>? reads = null;
        var served = 0;
        for (var i = 0; i < _readsWaitingForApply.Count; i++)
        {
            var (index, round, _) = _readsWaitingForApply[i];
            if (index > _applied)
            {
                // Rounds are asked in order; a later one served before this one could answer a read asked after.
                break;
            }
            served++;
            foreach (var read in round)
            {
                if (reads is null && Volatile.Read(ref _readsInFlight) == 0 && _machine.TryQueryFromCache(read.Command, now, out var cached))
                {
                    read.Complete(cached);
                }
                else
                {
                    (reads ??= []).Add(read);
                }
            }
        }
        _readsWaitingForApply.RemoveRange(0, served);
        if (reads is null)
        {
            return;
        }
        Interlocked.Increment(ref _readsInFlight);
        _readChain = _readChain.ContinueWith(static (_, state) =>
        {
            var (group, round) = ((RaftGroup, List<PendingReply>))state!;
            try
            {
                var now = group._machine.ReadTime(group._time.GetUtcNow().ToUnixTimeMilliseconds());
                foreach (var read in round)
                {
                    read.Complete(group._machine.Query(read.Command, now));
                }
            }
            catch (Exception ex)
            {
                // Query is total; this is a store being closed under it. Answer, never throw on the pool.
                round.ForEach(r => r.Complete(KvReply.Error($"ERR the read failed: {ex.Message}")));
            }
            finally
            {
                Interlocked.Decrement(ref group._readsInFlight);
            }
        }, (this, reads), CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default);
    }

    /// <summary>The pool's read batches, chained so that each starts after the one before (touched on the group's thread only).</summary>
    private Task _readChain = Task.CompletedTask;

    /// <summary>Until the reads handed to the thread pool are answered (the caller closes the store next), at most 10 s.</summary>
    private async Task WaitForReadsAsync()
    {
        var deadline = _time.GetTimestamp() + 10 * _time.TimestampFrequency;
        while (Volatile.Read(ref _readsInFlight) > 0 && _time.GetTimestamp() < deadline)
        {
            await Task.Delay(5);
        }
    }
}
