using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cairn.Cli.Tests;

/// <summary>cairn cluster join and remove against a real cluster.</summary>
public sealed partial class CliMembershipTests : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("resp", false)]
    [InlineData("http", false)]
    [InlineData("resp", true)]
    public async Task ANodeJoinsBecomesAVoterOrStaysALearnerAndIsRemoved(string protocol, bool learner)
    {
        await using var fourth = await ServerProcess.StartAsync(args: ["--node-id", "node4", "--raft-addr", "127.0.0.1:0", "--bootstrap", "false"]);
        var raftAddress = $"127.0.0.1:{PeerPortLine().Match(fourth.Output).Groups[1].Value}";
        var leader = await _cluster.WaitForLeaderAsync();
        var follower = _cluster.Nodes.First(n => n != leader);
        var server = protocol == "http" ? follower.HttpUri.Authority : $"127.0.0.1:{follower.Port}";
        string[] Args(params string[] args) => [.. args, "--protocol", protocol, "--server", server];

        var join = await CliProcess.RunAsync(learner ? Args("cluster", "join", "node4", raftAddress, "--learner") : Args("cluster", "join", "node4", raftAddress));
        Assert.True(join.ExitCode == 0, $"join failed: {join.Error}");
        Assert.Equal("OK", join.Output.Trim());
        await Poll.UntilAsync(async () =>
        {
            var status = await CliProcess.RunAsync(["cluster", "status", "--format", "json", "--server", $"127.0.0.1:{leader.Port}"]);
            return JsonDocument.Parse(status.Output).RootElement.GetProperty("members").EnumerateArray()
                .Any(m => m.GetProperty("id").GetString() == "node4" && (learner
                    ? m.GetProperty("role").GetString() == "learner" && m.GetProperty("lag").GetInt64() == 0
                    : m.GetProperty("role").GetString() == "voter"));
        }, TimeSpan.FromSeconds(30), learner ? "node4 to catch up as a learner" : "node4 to become a voter");

        var again = await CliProcess.RunAsync(Args("cluster", "join", "node4", raftAddress));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Error);

        var remove = await CliProcess.RunAsync(Args("cluster", "remove", "node4"));
        Assert.Equal(0, remove.ExitCode);
        await Poll.UntilAsync(async () =>
        {
            var status = await CliProcess.RunAsync(["cluster", "status", "--format", "json", "--server", $"127.0.0.1:{leader.Port}"]);
            return JsonDocument.Parse(status.Output).RootElement.GetProperty("members").GetArrayLength() == 3;
        }, TimeSpan.FromSeconds(30), "node4 to leave");
        var missing = await CliProcess.RunAsync(Args("cluster", "remove", "node4"));
        Assert.Equal(1, missing.ExitCode);
    }

    [GeneratedRegex(@"listening for peers on .*:(\d+), advertised")]
    private static partial Regex PeerPortLine();
}
