using Cairn.Replication.Wire;
using Cairn.StateMachine;

namespace Cairn.Replication.Tests;

/// <summary>Forwarding over the peer transport, also to a leader of the previous version (a rolling upgrade).</summary>
public class PeerMessengerTests
{
    private sealed class PreviousVersionLeader : IPeerTransport
    {
        public List<PeerPayloadKind> Asked { get; } = [];

        public Task<byte[]> RequestAsync(string address, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            Asked.Add((PeerPayloadKind)payload[0]);
            if (payload[0] != (byte)PeerPayloadKind.ForwardBatch)
            {
                // What the previous version's transport makes of the handler's FormatException.
                throw new PeerUnavailableException($"{address} could not handle the request: unknown request kind {payload[0]}");
            }
            var count = PeerPayload.ReadForwardBatch(payload.AsSpan(2)).Count;
            var replies = new[] { KvReply.Ok, KvReply.Error("TIMEOUT the write's outcome is unknown: not committed within 5000 ms; it may or may not have been applied"), KvReply.Error("CLUSTERDOWN this node is not the leader") };
            return Task.FromResult(PeerPayload.Reply(KvReply.Array(replies[..count])));
        }

        public string? AddressOf(ulong id) => "127.0.0.1:1";

        public void Start(MemberInfo self, IPeerHandler handler)
        {
        }

        public void SetAddresses(IEnumerable<(ulong Id, string Address)> peers)
        {
        }

        public void Send(ulong to, ReadOnlySpan<byte> payload)
        {
        }

        public long RefusedPeers => 0;
    }

    [Fact]
    public async Task ALeaderOfThePreviousVersionGetsTheOrderedBatchAndOnlyItsNotLeaderTailGoesAgain()
    {
        var leader = new PreviousVersionLeader();
        var messenger = new PeerMessenger(leader, TimeSpan.FromSeconds(5));
        var writes = Enumerable.Range(1, 3).Select(i => new ForwardedWrite(new KvCommand(KvOp.Set, [[(byte)i], [1]]), new SessionStamp(9, (ulong)i, 1, 0))).ToList();
        var results = await messenger.ForwardBatchAsync(2, writes);
        Assert.Equal([PeerPayloadKind.ForwardSession, PeerPayloadKind.ForwardBatch], leader.Asked);
        // Without sessions nothing may go twice: only the refusal of a node that did not lead is "not applied".
        Assert.Equal([WriteOutcome.Applied, WriteOutcome.Applied, WriteOutcome.NotApplied], results!.Select(r => r.Outcome));
        Assert.StartsWith("TIMEOUT", results![1].Reply.Text);
    }
}
