namespace Cairn.Raft.Quorum;

public enum VoteResult
{
    Pending,
    Lost,
    Won,
}

/// <summary>
/// A set of voters deciding by simple majority. Pure: no state beyond the member set.
/// </summary>
public sealed class MajorityConfig(IEnumerable<ulong> voters)
{
    private readonly ulong[] _voters = voters.Distinct().Order().ToArray();

    public IReadOnlyList<ulong> Voters => _voters;

    public int Count => _voters.Length;

    public bool Contains(ulong id) => Array.BinarySearch(_voters, id) >= 0;

    /// <summary>
    /// The largest index acknowledged by a majority: sort acknowledged indexes descending and take
    /// the (n/2 + 1)-th. An empty config commits everything (ulong.MaxValue), as etcd's does, so a joint
    /// config with one half empty defers to the other half.
    /// </summary>
    public ulong CommittedIndex(Func<ulong, ulong> acked)
    {
        if (_voters.Length == 0)
        {
            return ulong.MaxValue;
        }
        Span<ulong> indexes = _voters.Length <= 16 ? stackalloc ulong[_voters.Length] : new ulong[_voters.Length];
        for (var i = 0; i < _voters.Length; i++)
        {
            indexes[i] = acked(_voters[i]);
        }
        indexes.Sort();
        // Ascending order: the majority-th largest sits at n - (n/2 + 1).
        return indexes[_voters.Length - (_voters.Length / 2 + 1)];
    }

    /// <summary>Won once a majority granted, lost once a majority can no longer grant.</summary>
    public VoteResult Tally(Func<ulong, bool?> vote)
    {
        if (_voters.Length == 0)
        {
            return VoteResult.Won;
        }
        int granted = 0, rejected = 0;
        foreach (var id in _voters)
        {
            switch (vote(id))
            {
                case true:
                    granted++;
                    break;
                case false:
                    rejected++;
                    break;
            }
        }
        var quorum = _voters.Length / 2 + 1;
        if (granted >= quorum)
        {
            return VoteResult.Won;
        }
        return _voters.Length - rejected < quorum ? VoteResult.Lost : VoteResult.Pending;
    }
}
