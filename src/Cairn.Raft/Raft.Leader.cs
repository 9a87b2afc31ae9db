using Cairn.Raft.Tracker;

namespace Cairn.Raft;

internal sealed partial class Raft
{
    private void StepLeader(Message m)
    {
        switch (m.Type)
        {
            case MessageType.Beat:
                BroadcastHeartbeat(_readOnly.LastContext);
                return;
            case MessageType.CheckQuorum:
                if (!QuorumActive())
                {
                    BecomeFollower(Term, None);
                    return;
                }
                foreach (var (id, member) in Progress)
                {
                    member.RecentActive = id == Id;
                }
                return;
            case MessageType.Propose:
                if (m.Entries.Count == 0)
                {
                    return;
                }
                if (LeadTransferee != None)
                {
                    // Thesis §3.10: no new entries while handing over, so the transferee can catch up.
                    DropProposal(m, "leadership transfer in progress");
                    return;
                }
                AppendEntries(ScreenConfChanges(m));
                BroadcastAppend();
                return;
            case MessageType.TransferLeader:
                StartTransfer(m.From);
                return;
            case MessageType.ReadIndex:
                if (m.Entries.Count != 1)
                {
                    return;
                }
                // Thesis §6.4: our commit index is only known to be current once an entry of our term is committed.
                if (!CommittedEntryInCurrentTerm)
                {
                    _pendingReadIndex.Add(m);
                    return;
                }
                HandleReadIndex(m);
                return;
        }

        if (!Progress.TryGetValue(m.From, out var progress))
        {
            return;
        }
        switch (m.Type)
        {
            case MessageType.AppResp:
                progress.RecentActive = true;
                if (m.Reject)
                {
                    var next = m.RejectHint;
                    if (m.LogTerm > 0)
                    {
                        // Skip every entry of ours whose term is above the follower's term at the hint.
                        next = Log.FindConflictByTerm(m.RejectHint, m.LogTerm).Index;
                    }
                    if (progress.MaybeDecrTo(m.Index, next))
                    {
                        if (progress.State == ProgressState.Replicate)
                        {
                            progress.BecomeProbe();
                        }
                        SendAppend(m.From, progress);
                    }
                    return;
                }
                var wasPaused = progress.IsPaused;
                if (!progress.MaybeUpdate(m.Index))
                {
                    return;
                }
                switch (progress.State)
                {
                    case ProgressState.Probe:
                        progress.BecomeReplicate();
                        break;
                    case ProgressState.Snapshot when progress.Match + 1 >= Log.FirstIndex():
                        // The snapshot (or enough of the log) arrived: replicate from here.
                        progress.BecomeProbe();
                        progress.BecomeReplicate();
                        break;
                    case ProgressState.Replicate:
                        progress.Inflights.FreeLE(m.Index);
                        break;
                }
                if (m.From == LeadTransferee && progress.Match == Log.LastIndex())
                {
                    SendTimeoutNow(m.From);
                }
                if (MaybeCommit())
                {
                    // Everyone learns the new commit index, with an empty append where nothing else is due.
                    BroadcastAppend();
                }
                else if (wasPaused)
                {
                    SendAppend(m.From, progress);
                }
                // Keep the pipeline full while the window allows.
                while (SendAppend(m.From, progress, sendIfEmpty: false))
                {
                }
                return;
            case MessageType.HeartbeatResp:
                progress.RecentActive = true;
                progress.ProbeSent = false;
                if (m.Context is { } context && _readOnly.Ack(m.From, context) is { } acks
                    && Voters.Tally(id => id == Id || acks.Contains(id) ? true : null) == Quorum.VoteResult.Won)
                {
                    foreach (var (index, request) in _readOnly.Release(context))
                    {
                        AnswerReadIndex(index, request);
                    }
                }
                if (progress.State == ProgressState.Replicate && progress.Inflights.Full)
                {
                    // The appends in flight may all be lost; let one more through, which the follower
                    // either accepts or rejects back into Probe.
                    progress.Inflights.FreeFirstOne();
                }
                if (progress.Match < Log.LastIndex())
                {
                    SendAppend(m.From, progress);
                }
                return;
        }
    }

    /// <summary>§7: the entries this follower needs were compacted; send the application's latest snapshot.</summary>
    private bool SendSnapshot(ulong to, Progress progress)
    {
        var snapshot = Log.Storage.Snapshot();
        if (snapshot is null)
        {
            // Storage compacts only what a snapshot covers, so this is a driver bug; send nothing.
            return false;
        }
        Send(new Message { GroupId = GroupId, To = to, From = Id, Term = Term, Type = MessageType.Snap, Snapshot = snapshot });
        progress.BecomeSnapshot(snapshot.Index);
        return true;
    }

    /// <summary>The transport's word on a snapshot send: either way, probe again after the next heartbeat.</summary>
    public void ReportSnapshot(ulong to, bool failed)
    {
        if (State != StateType.Leader || !Progress.TryGetValue(to, out var progress) || progress.State != ProgressState.Snapshot)
        {
            return;
        }
        progress.BecomeProbe();
        if (failed)
        {
            progress.Next = progress.Match + 1;
        }
        progress.ProbeSent = true;
    }

    private void StartTransfer(ulong transferee)
    {
        if (transferee == Id || transferee == LeadTransferee || !Progress.TryGetValue(transferee, out var progress) || progress.IsLearner)
        {
            return;
        }
        LeadTransferee = transferee;
        // The transfer must finish within one election timeout.
        _electionElapsed = 0;
        if (progress.Match == Log.LastIndex())
        {
            SendTimeoutNow(transferee);
        }
        else
        {
            SendAppend(transferee, progress);
        }
    }

    private void SendTimeoutNow(ulong to) =>
        Send(new Message { GroupId = GroupId, To = to, From = Id, Term = Term, Type = MessageType.TimeoutNow });

    /// <summary>Appends entries stamped with the current term and the next indexes; the leader's own match moves at once.</summary>
    private void AppendEntries(ReadOnlySpan<Entry> entries)
    {
        var last = Log.LastIndex();
        var stamped = new Entry[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            stamped[i] = entries[i] with { Term = Term, Index = last + 1 + (ulong)i };
        }
        last = Log.Append(stamped);
        Progress[Id].MaybeUpdate(last);
        MaybeCommit();
    }

    /// <summary>
    /// A leader's own batch of normal proposals, stamped straight into the log: no message, no
    /// intermediate array. Returns false when proposals are not accepted now (not leader, or handing over).
    /// </summary>
    public bool ProposeLocal(ReadOnlySpan<ReadOnlyMemory<byte>> payloads)
    {
        if (State != StateType.Leader || LeadTransferee != None)
        {
            return false;
        }
        if (payloads.Length == 0)
        {
            return true;
        }
        var last = Log.AppendNew(Term, payloads);
        Progress[Id].MaybeUpdate(last);
        MaybeCommit();
        BroadcastAppend();
        return true;
    }

    private bool MaybeCommit()
    {
        if (!Log.MaybeCommit(Voters.CommittedIndex(id => Progress.TryGetValue(id, out var p) ? p.Match : 0), Term))
        {
            return false;
        }
        if (_pendingReadIndex.Count > 0)
        {
            var pending = _pendingReadIndex.ToList();
            _pendingReadIndex.Clear();
            foreach (var request in pending)
            {
                HandleReadIndex(request);
            }
        }
        return true;
    }

    private bool CommittedEntryInCurrentTerm => Log.Term(Log.Committed) == Term;

    /// <summary>Answers at once when alone or on a lease; otherwise confirms leadership with a heartbeat round first.</summary>
    private void HandleReadIndex(Message request)
    {
        if (Voters.Count == 1 || _config.ReadOnly == ReadOnlyOption.LeaseBased)
        {
            AnswerReadIndex(Log.Committed, request);
            return;
        }
        _readOnly.Add(Log.Committed, request);
        BroadcastHeartbeat(request.Entries[0].Data.ToArray());
    }

    private void AnswerReadIndex(ulong index, Message request)
    {
        if (request.From == Id || request.From == None)
        {
            _readStates.Add(new ReadState(index, request.Entries[0].Data.ToArray()));
        }
        else
        {
            Send(new Message { GroupId = GroupId, To = request.From, From = Id, Term = Term, Type = MessageType.ReadIndexResp, Index = index, Entries = request.Entries });
        }
    }

    private bool QuorumActive() =>
        Voters.Tally(id => id == Id || (Progress.TryGetValue(id, out var p) && p.RecentActive) ? true : null) == Quorum.VoteResult.Won;

    private void BroadcastAppend()
    {
        foreach (var (id, progress) in Progress)
        {
            if (id != Id)
            {
                SendAppend(id, progress);
            }
        }
    }

    private void BroadcastHeartbeat(byte[]? context)
    {
        foreach (var (id, progress) in Progress)
        {
            if (id != Id)
            {
                Send(new Message
                {
                    GroupId = GroupId, To = id, From = Id, Term = Term, Type = MessageType.Heartbeat,
                    Commit = Math.Min(progress.Match, Log.Committed),
                    Context = context,
                });
            }
        }
    }

    /// <summary>Sends the entries after Next - 1 (or an empty probe carrying the commit index); false when paused or nothing to send.</summary>
    private bool SendAppend(ulong to, Progress progress, bool sendIfEmpty = true)
    {
        if (progress.IsPaused)
        {
            return false;
        }
        var prevIndex = progress.Next - 1;
        if (progress.Next < Log.FirstIndex() || !Log.TryTerm(prevIndex, out var prevTerm))
        {
            return SendSnapshot(to, progress);
        }
        var entries = Log.SliceForMessage(progress.Next, Log.LastIndex() + 1, _config.MaxMessageBytes);
        if (entries.Count == 0 && !sendIfEmpty)
        {
            return false;
        }
        Send(new Message
        {
            GroupId = GroupId, To = to, From = Id, Term = Term, Type = MessageType.App,
            Index = prevIndex, LogTerm = prevTerm, Entries = entries, Commit = Log.Committed,
        });
        progress.SentEntries(entries.Count, entries.Count > 0 ? entries[^1].Index : prevIndex);
        return true;
    }
}
