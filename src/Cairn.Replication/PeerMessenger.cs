using Cairn.Raft;
using Cairn.Replication.Wire;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>
/// A group's <see cref="IRaftTransport"/> over a node's <see cref="IPeerTransport"/>: Raft messages
/// become one serialized batch per peer per Ready (serialized at once, so log views may be released);
/// forwarded writes become requests to the leader's address.
/// </summary>
public sealed class PeerMessenger(IPeerTransport transport, TimeSpan requestTimeout) : IRaftTransport
{
    private readonly WireWriter _writer = new(64 * 1024);
    private readonly Dictionary<ulong, List<Message>> _byPeer = [];

    public void Send(IReadOnlyList<Message> messages)
    {
        foreach (var message in messages)
        {
            if (!_byPeer.TryGetValue(message.To, out var list))
            {
                _byPeer[message.To] = list = [];
            }
            list.Add(message);
        }
        foreach (var (to, list) in _byPeer)
        {
            if (list.Count > 0)
            {
                transport.Send(to, PeerPayload.RaftMessages(list, _writer));
                list.Clear();
            }
        }
    }

    public async Task<KvReply?> ForwardAsync(ulong leader, KvCommand command)
    {
        var address = transport.AddressOf(leader);
        if (address is null)
        {
            return null;
        }
        try
        {
            return PeerPayload.ReadReply(await transport.RequestAsync(address, PeerPayload.Forward(command), requestTimeout));
        }
        catch (PeerUnavailableException ex) when (!ex.Sent)
        {
            return null;
        }
        catch (PeerUnavailableException ex)
        {
            return KvReply.Error(RaftGroup.UnknownOutcome(ex.Message));
        }
        catch (FormatException ex)
        {
            return KvReply.Error(RaftGroup.UnknownOutcome("the leader's reply was unreadable: " + ex.Message));
        }
    }

    public void MembersChanged(IReadOnlyCollection<MemberInfo> members) =>
        transport.SetAddresses(members.Where(m => m.RaftAddress.Length > 0).Select(m => (m.Id, m.RaftAddress)));
}
