using Cairn.Raft;
using Cairn.Replication.Wire;
using Cairn.StateMachine.Wire;
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

    public async Task<IReadOnlyList<ForwardResult>?> ForwardBatchAsync(ulong leader, IReadOnlyList<ForwardedWrite> writes)
    {
        var address = transport.AddressOf(leader);
        if (address is null)
        {
            return null;
        }
        string why;
        try
        {
            var reply = PeerPayload.ReadReply(await transport.RequestAsync(address, PeerPayload.ForwardSession(writes), requestTimeout));
            if (PeerPayload.ReadForwardResults(reply, writes.Count) is { } results)
            {
                return results;
            }
            // One answer for the whole batch: the leader failed the request, or answered something else.
            why = reply.IsError ? "the leader answered: " + reply.Text : "the leader's reply did not match the batch";
        }
        catch (PeerUnavailableException ex) when (!ex.Sent)
        {
            return null;
        }
        catch (PeerUnavailableException ex) when (ex.Message.Contains($"unknown request kind {(byte)PeerPayloadKind.ForwardSession}", StringComparison.Ordinal))
        {
            // A leader of the previous version (during a rolling upgrade) refused the request before proposing anything.
            return await ForwardWithoutSessionAsync(address, writes);
        }
        catch (PeerUnavailableException ex)
        {
            why = ex.Message;
        }
        catch (FormatException ex)
        {
            why = "the leader's reply was unreadable: " + ex.Message;
        }
        return Enumerable.Repeat(new ForwardResult(KvReply.Error(RaftGroup.UnknownOutcome(why)), WriteOutcome.Unknown), writes.Count).ToArray();
    }

    /// <summary>
    /// The previous version's ordered batch, without sessions: nothing of it is sent again, except a tail the leader
    /// refused because it did not lead (not applied), so every other answer is final, "unknown" ones too.
    /// </summary>
    private async Task<IReadOnlyList<ForwardResult>?> ForwardWithoutSessionAsync(string address, IReadOnlyList<ForwardedWrite> writes)
    {
        KvReply reply;
        try
        {
            reply = PeerPayload.ReadReply(await transport.RequestAsync(address, PeerPayload.ForwardBatch(writes.Select(w => w.Command).ToList()), requestTimeout));
        }
        catch (PeerUnavailableException ex) when (!ex.Sent)
        {
            return null;
        }
        catch (Exception ex) when (ex is PeerUnavailableException or FormatException)
        {
            reply = KvReply.Error(RaftGroup.UnknownOutcome(ex.Message));
        }
        var replies = reply is { Kind: KvReplyKind.Array, Items: { } items } && items.Length == writes.Count
            ? items
            : Enumerable.Repeat(reply.IsError ? reply : KvReply.Error(RaftGroup.UnknownOutcome("the leader's reply did not match the batch")), writes.Count).ToArray();
        return replies.Select(r => new ForwardResult(r, r.IsError && r.Text!.StartsWith("CLUSTERDOWN this node is not the leader", StringComparison.Ordinal)
            ? WriteOutcome.NotApplied
            : WriteOutcome.Applied)).ToArray();
    }

    /// <summary>
    /// Streams each file in ≤ 1 MB chunks, one request at a time (the follower's pace sets ours), then the
    /// Snap message; the follower answers that one after installing, which may take a while.
    /// </summary>
    public async Task SendSnapshotAsync(string directory, Message message, CancellationToken cancellationToken)
    {
        const int ChunkBytes = 1 << 20;
        var address = transport.AddressOf(message.To) ?? throw new PeerUnavailableException($"no address for node {message.To:x16}", sent: false);
        var transfer = (ulong)Random.Shared.NextInt64();
        var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToArray();
        var buffer = new byte[ChunkBytes];
        foreach (var path in files)
        {
            var name = Path.GetFileName(path);
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
            ulong offset = 0;
            do
            {
                var read = await stream.ReadAtLeastAsync(buffer, ChunkBytes, throwOnEndOfStream: false, cancellationToken);
                Expect(await transport.RequestAsync(address, PeerPayload.SnapshotChunk(transfer, name, offset, buffer.AsSpan(0, read)), requestTimeout, cancellationToken));
                offset += (ulong)read;
            }
            while (offset < (ulong)stream.Length);
        }
        // Installing replaces the follower's store: allow for a large one.
        Expect(await transport.RequestAsync(address, PeerPayload.SnapshotInstall(transfer, files.Length, message), requestTimeout * 12, cancellationToken));
    }

    private static void Expect(byte[] response)
    {
        var reply = PeerPayload.ReadReply(response);
        if (reply.IsError)
        {
            throw new InvalidOperationException(reply.Text);
        }
    }

    public void MembersChanged(IReadOnlyCollection<MemberInfo> members) =>
        transport.SetAddresses(members.Where(m => m.RaftAddress.Length > 0).Select(m => (m.Id, m.RaftAddress)));
}
