namespace Cairn.Raft;

/// <summary>
/// The pure part of membership changes: whether a change is allowed on a configuration, and the
/// configuration it leads to. No Raft state; the caller adds what only it knows (pending changes,
/// commitment in the current term).
/// </summary>
public static class ConfChanger
{
    /// <summary>Why <paramref name="change"/> may not be made on <paramref name="conf"/>, or null.</summary>
    public static string? Problem(ConfState conf, ConfChange change)
    {
        if (change.NodeId == 0)
        {
            return "node id 0 is reserved";
        }
        if (change.Type == ConfChangeType.RemoveNode && conf.Voters.Count == 1 && conf.Voters.Contains(change.NodeId))
        {
            return "cannot remove the last voter";
        }
        if (change.Type == ConfChangeType.AddLearner && conf.Voters.Contains(change.NodeId))
        {
            return "a voter cannot be demoted to learner";
        }
        return null;
    }

    /// <summary>
    /// The configuration after <paramref name="change"/>. Voters and learners stay disjoint; adding
    /// what is already there, or removing what is absent, changes nothing.
    /// </summary>
    public static ConfState Apply(ConfState conf, ConfChange change)
    {
        var voters = conf.Voters.ToHashSet();
        var learners = conf.Learners.ToHashSet();
        switch (change.Type)
        {
            case ConfChangeType.AddVoter:
                learners.Remove(change.NodeId);
                voters.Add(change.NodeId);
                break;
            case ConfChangeType.AddLearner:
                if (!voters.Contains(change.NodeId))
                {
                    learners.Add(change.NodeId);
                }
                break;
            case ConfChangeType.RemoveNode:
                voters.Remove(change.NodeId);
                learners.Remove(change.NodeId);
                break;
        }
        return new ConfState(voters.Order().ToArray(), learners.Order().ToArray());
    }
}
