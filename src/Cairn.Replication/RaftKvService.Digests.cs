using System.Globalization;
using System.Text;
using Cairn.Replication.Wire;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>The corruption check across members: on demand (RAFT.CHECK) and every so often on the leader.</summary>
public sealed partial class RaftKvService
{
    private ITimer? _checkTimer;
    private int _checkRunning;

    /// <summary>Runs <see cref="CheckDigestsAsync"/> on the leader every <paramref name="interval"/> (zero: never).</summary>
    public void StartCorruptionChecks(TimeSpan interval)
    {
        if (interval > TimeSpan.Zero)
        {
            _checkTimer = _time.CreateTimer(_ =>
            {
                if (_group.Status.IsLeader && Interlocked.Exchange(ref _checkRunning, 1) == 0)
                {
                    CheckDigestsAsync().ContinueWith(_ => Volatile.Write(ref _checkRunning, 0), TaskScheduler.Default);
                }
            }, null, interval, interval);
        }
    }

    /// <summary>
    /// Marks an index through the log, then compares every member's digest of its state there with this node's.
    /// A difference raises the corrupt alarm here (writes refused) and names the member. The reply lists each
    /// member: its digest, "same", "DIFFERENT", or why it has none.
    /// </summary>
    public async Task<KvReply> CheckDigestsAsync()
    {
        var mark = await _group.MarkDigestAsync().ConfigureAwait(false);
        if (mark.Kind != KvReplyKind.Integer)
        {
            return mark;
        }
        var index = (ulong)mark.Integer;
        var own = await _group.DigestAtAsync(index, _requestTimeout).ConfigureAwait(false);
        if (own is not { } mine)
        {
            return KvReply.Error($"ERR this node has no digest at index {index}");
        }
        var report = new StringBuilder().Append(CultureInfo.InvariantCulture, $"index {index}: {_group.Status.Name} {mine:x16} (this node)");
        var differ = new List<string>();
        foreach (var member in _group.Status.Members.Where(m => m.Id != _group.NodeId))
        {
            var (digest, why) = await MemberDigestAsync(member, index).ConfigureAwait(false);
            if (digest is not { } theirs)
            {
                report.Append(CultureInfo.InvariantCulture, $"; {member.Name} none ({why})");
            }
            else if (theirs == mine)
            {
                report.Append(CultureInfo.InvariantCulture, $"; {member.Name} {theirs:x16} same");
            }
            else
            {
                report.Append(CultureInfo.InvariantCulture, $"; {member.Name} {theirs:x16} DIFFERENT");
                differ.Add(member.Name);
            }
        }
        if (differ.Count > 0)
        {
            _group.RaiseCorruptAlarm($"at index {index} the state of {string.Join(", ", differ)} differs from {_group.Status.Name}'s");
            return KvReply.Error("CORRUPT " + report);
        }
        return KvReply.Bulk(Encoding.UTF8.GetBytes(report.ToString()));
    }

    private async Task<(ulong? Digest, string Why)> MemberDigestAsync(MemberStatus member, ulong index)
    {
        if (_transport is null || string.IsNullOrEmpty(member.RaftAddress))
        {
            return (null, "no address");
        }
        try
        {
            var reply = PeerPayload.ReadReply(await _transport.RequestAsync(member.RaftAddress, PeerPayload.DigestAt(index), _requestTimeout).ConfigureAwait(false));
            return reply.Kind == KvReplyKind.Integer ? ((ulong)reply.Integer, "") : (null, reply.Text ?? "it has none at that index");
        }
        catch (Exception ex) when (ex is PeerUnavailableException or FormatException)
        {
            return (null, ex.Message);
        }
    }

    private async Task<KvReply> DigestAtAsync(ulong index)
    {
        try
        {
            return await _group.DigestAtAsync(index, _requestTimeout).ConfigureAwait(false) is { } digest ? KvReply.Int((long)digest) : KvReply.Null;
        }
        catch (TimeoutException)
        {
            return KvReply.Error($"ERR not applied up to index {index} in time");
        }
    }
}
