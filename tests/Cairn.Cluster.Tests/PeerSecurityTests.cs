using System.Security.Cryptography;
using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// The peer port trusts only nodes that prove they hold the cluster secret. A rogue process on the network (here:
/// loopback, which a cluster with a secret does not treat specially) tries what the audit found it could do
/// before: claim a member's id, redirect traffic, change membership, write; the cluster keeps serving throughout.
/// </summary>
public sealed class PeerSecurityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-secret-" + Guid.NewGuid().ToString("N"));

    public PeerSecurityTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string SecretFile(string name)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) + "\n");
        return path;
    }

    [Fact]
    public async Task PeersWithoutTheSecretCannotSpeakForAMemberJoinOrWrite()
    {
        await using var cluster = await LocalCluster.StartAsync(3, new Dictionary<string, string> { ["CAIRN_CLUSTER_SECRET_FILE"] = SecretFile("cluster.secret") });
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Nodes.First(n => n != leader);
        var peerPort = leader.Proxy.TargetPort;

        // 1. Claims the follower's id and a rogue address, answers the challenge with a guess, then sends a
        //    membership change (AddNode, "forwarded") and a Raft message: the node closes the connection first.
        using (var rogue = await PeerWire.ConnectAsync(peerPort))
        {
            await rogue.SendAsync(PeerWire.Hello(follower.RaftId, "127.0.0.1:1"));
            var challenge = await PeerWire.ReadFrameAsync(rogue);
            Assert.Equal(1, challenge[0]);
            await rogue.SendAsync(PeerWire.Frame(1, RandomNumberGenerator.GetBytes(32)));
            await PeerWire.SendQuietlyAsync(rogue, PeerWire.Request(7, [3, 1, .. RandomNumberGenerator.GetBytes(40)]));
            Assert.True(await PeerWire.ClosedAsync(rogue), "the node kept a connection whose proof was wrong");
        }
        // 2. Skips the handshake: a forwarded write as the first frame.
        using (var rogue = await PeerWire.ConnectAsync(peerPort))
        {
            await rogue.SendAsync(PeerWire.Request(1, [1, 0, .. RandomNumberGenerator.GetBytes(48)]));
            Assert.True(await PeerWire.ClosedAsync(rogue), "the node took a request before any handshake");
        }
        await Poll.UntilAsync(() => Task.FromResult(leader.Server!.Output.Contains("Refused a peer connection", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the refusal in the leader's log");
        await Poll.UntilAsync(async () => System.Text.RegularExpressions.Regex.IsMatch((await leader.Db.ExecuteAsync("INFO", "stats")).ToString(), @"raft_peers_refused:[1-9]"),
            TimeSpan.FromSeconds(10), "the refusals counted in INFO stats");

        // 3. Nodes started with another secret, or none, try to join through every member: refused, never members.
        foreach (var secret in new[] { SecretFile("other.secret"), null })
        {
            var name = secret is null ? "stranger-without-secret" : "stranger-with-another-secret";
            var stranger = ServerProcess.Launch(Path.Combine(_directory, name),
                ["--node-id", name, "--raft-addr", "127.0.0.1:0", "--join", string.Join(",", cluster.Nodes.Select(n => n.RaftAddress))],
                secret is null ? null : new Dictionary<string, string> { ["CAIRN_CLUSTER_SECRET_FILE"] = secret });
            await using (stranger)
            {
                await stranger.WaitForReadyAsync();
                await Poll.UntilAsync(() => Task.FromResult(stranger.Output.Contains("Could not join the cluster yet", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the stranger's failed join");
                Assert.Contains("does not hold this cluster's secret", stranger.Output);
            }
        }

        // The cluster kept its members, its address book (writes through a follower reach the leader) and its data.
        var info = (await leader.TryRaftInfoAsync())!;
        Assert.Equal("3", info["num_voting_nodes"]);
        Assert.Equal("3", info["num_nodes"]);
        Assert.True(await follower.Db.StringSetAsync("after-rogues", "ok"));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal("ok", (string?)await node.Db.StringGetAsync("after-rogues"));
            Assert.DoesNotContain("stranger", (await node.Db.ExecuteAsync("RAFT.INFO")).ToString());
        }
    }
}
