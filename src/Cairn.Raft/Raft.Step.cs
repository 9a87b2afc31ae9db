using Cairn.Raft.Quorum;

namespace Cairn.Raft;

internal sealed partial class Raft
{
    /// <summary>Handles one message: term rules common to every role first (§5.1), then the role's step function.</summary>
    public void Step(Message m)
    {
        if (m.Term == 0)
        {
            // Local message.
        }
        else if (m.Term > Term)
        {
            if (m.Type is MessageType.Vote or MessageType.PreVote)
            {
                // Thesis §4.2.3: while a leader is known and recently heard from, ignore disruptive votes.
                var inLease = _config.CheckQuorum && Lead != None && _electionElapsed < _config.ElectionTicks;
                if (inLease && !m.Transfer)
                {
                    return;
                }
            }
            if (m.Type == MessageType.PreVote)
            {
                // A poll does not change our term.
            }
            else if (m.Type == MessageType.PreVoteResp && !m.Reject)
            {
                // Granted pre-votes carry the term we will campaign in; the term moves only when we campaign.
            }
            else
            {
                var lead = m.Type is MessageType.App or MessageType.Heartbeat ? m.From : None;
                BecomeFollower(m.Term, lead);
            }
        }
        else if (m.Term < Term)
        {
            if ((_config.CheckQuorum || _config.PreVote) && m.Type is MessageType.Heartbeat or MessageType.App)
            {
                // A stale leader cut off for a while: tell it our term so it steps down. Without this, a node
                // that PreVote keeps from raising its term could be ignored forever.
                Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.AppResp });
            }
            else if (m.Type == MessageType.PreVote)
            {
                Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = MessageType.PreVoteResp, Reject = true });
            }
            return;
        }

        switch (m.Type)
        {
            case MessageType.Hup:
                Hup();
                break;
            case MessageType.Vote or MessageType.PreVote:
                HandleVoteRequest(m);
                break;
            default:
                _step(m);
                break;
        }
    }

    private void Hup(bool transfer = false)
    {
        if (State == StateType.Leader || !Promotable)
        {
            return;
        }
        if (HasUnappliedConfChanges())
        {
            // etcd's rule: a membership change this node knows committed but has not applied may change who
            // votes; campaigning with the old configuration could elect a leader the new one would not have.
            return;
        }
        // A transfer skips the pre-vote: the old leader asked for this election.
        Campaign(_config.PreVote && !transfer ? StateType.PreCandidate : StateType.Candidate, transfer);
    }

    private bool HasUnappliedConfChanges()
    {
        if (Log.Applied >= Log.Committed)
        {
            return false;
        }
        for (var lo = Log.Applied + 1; lo <= Log.Committed;)
        {
            // In pages, so a long unapplied tail is not read whole.
            var page = Log.Slice(lo, Log.Committed + 1, 1 << 20);
            if (page.Count == 0)
            {
                return false;
            }
            if (page.Exists(e => e.Type == EntryType.ConfChange))
            {
                return true;
            }
            lo = page[^1].Index + 1;
        }
        return false;
    }

    private void Campaign(StateType kind, bool transfer = false)
    {
        ulong term;
        MessageType type;
        if (kind == StateType.PreCandidate)
        {
            BecomePreCandidate();
            type = MessageType.PreVote;
            term = Term + 1;
        }
        else
        {
            BecomeCandidate();
            type = MessageType.Vote;
            term = Term;
        }
        if (Poll(Id, type, granted: true) == VoteResult.Won)
        {
            // A single-voter group wins at once.
            if (kind == StateType.PreCandidate)
            {
                Campaign(StateType.Candidate);
            }
            else
            {
                BecomeLeader();
            }
            return;
        }
        var lastIndex = Log.LastIndex();
        var lastTerm = Log.LastTerm();
        foreach (var id in Voters.Voters)
        {
            if (id != Id)
            {
                Send(new Message { GroupId = GroupId, To = id, From = Id, Term = term, Type = type, Index = lastIndex, LogTerm = lastTerm, Transfer = transfer });
            }
        }
    }

    private VoteResult Poll(ulong id, MessageType type, bool granted)
    {
        _votes.TryAdd(id, granted);
        return Voters.Tally(v => _votes.TryGetValue(v, out var g) ? g : null);
    }

    /// <summary>§5.2, §5.4.1: one vote per term, only for a candidate whose log is at least as up to date.</summary>
    private void HandleVoteRequest(Message m)
    {
        var canVote = Vote == m.From
            || (Vote == None && Lead == None)
            || (m.Type == MessageType.PreVote && m.Term > Term);
        var response = m.Type == MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
        if (canVote && Log.IsUpToDate(m.Index, m.LogTerm))
        {
            // A granted response carries the request's term, so a pre-candidate can count it for the term it will use.
            Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = m.Term, Type = response });
            if (m.Type == MessageType.Vote)
            {
                _electionElapsed = 0;
                Vote = m.From;
            }
        }
        else
        {
            Send(new Message { GroupId = GroupId, To = m.From, From = Id, Term = Term, Type = response, Reject = true });
        }
    }
}
