using Cairn.Raft.Quorum;
using Cairn.Raft.Tracker;

namespace Cairn.Raft;

internal sealed partial class Raft
{
    /// <summary>
    /// Screens membership-change entries of a proposal (leader only). One change at a time: a change
    /// is refused while an earlier one is unapplied, and until the leader has committed an entry of its
    /// own term (without that, single-server changes can lose committed entries across leader changes).
    /// A refused local proposal throws; a refused forwarded one is dropped (its entry becomes empty).
    /// </summary>
    private ArraySegment<Entry> ScreenConfChanges(Message m)
    {
        var entries = m.Entries;
        var copied = false;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Type != EntryType.ConfChange)
            {
                continue;
            }
            var reason = ConfChangeProblem(entries[i]);
            if (reason is null)
            {
                _pendingConfIndex = Log.LastIndex() + 1 + (ulong)i;
                continue;
            }
            if (m.From == Id)
            {
                throw new ConfChangeRefusedException(reason);
            }
            if (!copied)
            {
                entries = new ArraySegment<Entry>(entries.ToArray());
                copied = true;
            }
            entries[i] = new Entry(0, 0, EntryType.Normal, ReadOnlyMemory<byte>.Empty);
        }
        return entries;
    }

    private string? ConfChangeProblem(Entry entry)
    {
        ConfChange change;
        try
        {
            change = ConfChange.Decode(entry.Data.Span);
        }
        catch (FormatException)
        {
            return "malformed change";
        }
        if (_pendingConfIndex > Log.Applied)
        {
            return "a membership change is already in progress";
        }
        if (!CommittedEntryInCurrentTerm)
        {
            return "the leader has not yet committed an entry of its term";
        }
        return ConfChanger.Problem(Conf, change);
    }

    /// <summary>
    /// Applies a committed membership change; every member calls it when it applies the entry. Returns
    /// the new configuration, which the application persists with its applied index.
    /// </summary>
    public ConfState ApplyConfChange(ConfChange change)
    {
        var next = ConfChanger.Apply(Conf, change);
        var voters = next.Voters.ToHashSet();
        _learners = [.. next.Learners];
        Voters = new MajorityConfig(voters);
        var last = Log.LastIndex();
        foreach (var id in voters.Concat(_learners))
        {
            if (Progress.TryGetValue(id, out var existing))
            {
                existing.IsLearner = _learners.Contains(id);
            }
            else
            {
                Progress[id] = new Progress(last + 1, _config.MaxInflightMessages, _learners.Contains(id)) { RecentActive = true };
            }
        }
        foreach (var id in Progress.Keys.Where(id => !voters.Contains(id) && !_learners.Contains(id)).ToList())
        {
            Progress.Remove(id);
        }
        if (State == StateType.Leader)
        {
            if (!Voters.Contains(Id))
            {
                // Removed (or never a voter): stop leading; the remaining voters elect a leader.
                BecomeFollower(Term, None);
            }
            else
            {
                if (LeadTransferee != None && !Voters.Contains(LeadTransferee))
                {
                    LeadTransferee = None;
                }
                // Fewer voters may mean a smaller quorum: entries may be committed now.
                if (MaybeCommit())
                {
                    BroadcastAppend();
                }
                else
                {
                    foreach (var (id, progress) in Progress)
                    {
                        if (id != Id && progress.State == ProgressState.Probe && progress.Match == 0)
                        {
                            SendAppend(id, progress);
                        }
                    }
                }
            }
        }
        return Conf;
    }
}
