using Cairn.Raft.Quorum;

namespace Cairn.Raft;

internal sealed partial class Raft
{
    private void StepFollower(Message m)
    {
        switch (m.Type)
        {
            case MessageType.Propose or MessageType.ReadIndex:
                // Forwarded as a local message (term 0): the leader handles it as its own.
                if (Lead == None)
                {
                    DropProposal(m);
                    return;
                }
                Send(new Message { GroupId = GroupId, To = Lead, From = Id, Type = m.Type, Entries = m.Entries });
                break;
            case MessageType.App or MessageType.Heartbeat or MessageType.Snap:
                // Word from the current leader: it is alive, and it leads.
                _electionElapsed = 0;
                Lead = m.From;
                switch (m.Type)
                {
                    case MessageType.App:
                        HandleAppend(m);
                        break;
                    case MessageType.Heartbeat:
                        HandleHeartbeat(m);
                        break;
                    default:
                        HandleSnapshot(m);
                        break;
                }
                break;
            case MessageType.ReadIndexResp:
                if (m.Entries.Count == 1)
                {
                    _readStates.Add(new ReadState(m.Index, m.Entries[0].Data.ToArray()));
                }
                break;
            case MessageType.TransferLeader:
                if (Lead != None)
                {
                    Send(new Message { GroupId = GroupId, To = Lead, From = m.From, Type = MessageType.TransferLeader });
                }
                break;
            case MessageType.TimeoutNow:
                Hup(transfer: true);
                break;
        }
    }

    /// <summary>Shared by pre-candidates and candidates; the votes counted are those of the current kind.</summary>
    private void StepCandidate(Message m)
    {
        var myResponse = State == StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
        switch (m.Type)
        {
            case MessageType.Propose or MessageType.ReadIndex:
                DropProposal(m);
                return;
            case MessageType.App:
                BecomeFollower(m.Term, m.From);
                HandleAppend(m);
                break;
            case MessageType.Heartbeat:
                BecomeFollower(m.Term, m.From);
                HandleHeartbeat(m);
                break;
            case MessageType.Snap:
                BecomeFollower(m.Term, m.From);
                HandleSnapshot(m);
                break;
            default:
                if (m.Type != myResponse)
                {
                    return;
                }
                switch (Poll(m.From, m.Type, !m.Reject))
                {
                    case VoteResult.Won:
                        if (State == StateType.PreCandidate)
                        {
                            Campaign(StateType.Candidate);
                        }
                        else
                        {
                            BecomeLeader();
                            BroadcastAppend();
                        }
                        break;
                    case VoteResult.Lost:
                        BecomeFollower(Term, None);
                        break;
                }
                break;
        }
    }

    /// <summary>A local proposal with nowhere to go fails to its caller; a forwarded one is dropped silently (the client times out).</summary>
    private void DropProposal(Message m, string reason = "no leader")
    {
        if (m.From == Id)
        {
            throw new ProposalDroppedException(reason);
        }
    }

    private void HandleAppend(Message m)
    {
        if (m.Index < Log.Committed)
        {
            Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.AppResp, Index = Log.Committed });
            return;
        }
        var lastNew = Log.MaybeAppend(m.Index, m.LogTerm, m.Commit, m.Entries);
        if (lastNew is { } matched)
        {
            // Sent only after the appended entries are persisted (Ready contract), so the leader may count it.
            Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.AppResp, Index = matched });
            return;
        }
        // Fast back-off: point the leader at the last index whose term could match.
        var hint = Math.Min(m.Index, Log.LastIndex());
        var (hintIndex, hintTerm) = Log.FindConflictByTerm(hint, m.LogTerm);
        Send(new Message
        {
            GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.AppResp,
            Index = m.Index, Reject = true, RejectHint = hintIndex, LogTerm = hintTerm,
        });
    }

    /// <summary>
    /// §7: install the leader's snapshot unless our log already covers it. The acknowledgement goes out
    /// only after the driver has installed the snapshot (it is in the same Ready).
    /// </summary>
    private void HandleSnapshot(Message m)
    {
        var snapshot = m.Snapshot;
        if (snapshot is null)
        {
            return;
        }
        if (snapshot.Index <= Log.Committed)
        {
            Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.AppResp, Index = Log.Committed });
            return;
        }
        if (Log.MatchTerm(snapshot.Index, snapshot.Term))
        {
            // We hold the snapshot's last entry: our log agrees up to it, so just commit.
            Log.CommitTo(snapshot.Index);
        }
        else
        {
            Log.Restore(snapshot);
            Voters = new Quorum.MajorityConfig(snapshot.Conf.Voters);
            _learners = [.. snapshot.Conf.Learners];
        }
        Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.AppResp, Index = Log.LastIndex() });
    }

    private void HandleHeartbeat(Message m)
    {
        // The leader sends min(our match, its commit), so this never commits what we lack.
        Log.CommitTo(Math.Min(m.Commit, Log.LastIndex()));
        Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.HeartbeatResp, Context = m.Context });
    }
}

/// <summary>A proposal that cannot be accepted now (no leader known); the caller may retry.</summary>
public sealed class ProposalDroppedException(string reason) : Exception($"proposal dropped: {reason}");
