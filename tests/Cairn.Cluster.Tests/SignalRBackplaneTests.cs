using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cairn.Cluster.Tests;

/// <summary>
/// ASP.NET Core SignalR with its StackExchange.Redis backplane (NuGet Microsoft.AspNetCore.SignalR.StackExchangeRedis)
/// on a 3-node cluster: two app instances on different nodes; a message sent to a group through one reaches the
/// group's clients on the other, before and after the leader is killed.
/// </summary>
public sealed class SignalRBackplaneTests
{
    public sealed class ChatHub : Hub
    {
        public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

        public Task Send(string group, string message) => Clients.Group(group).SendAsync("message", message);
    }

    private static async Task<(WebApplication App, string Url)> StartAppAsync(int redisPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR().AddStackExchangeRedis($"127.0.0.1:{redisPort},abortConnect=false", o =>
            o.Configuration.ChannelPrefix = RedisChannel.Literal("cairn-signalr"));
        var app = builder.Build();
        app.MapHub<ChatHub>("/chat");
        await app.StartAsync();
        var url = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, url);
    }

    [Fact]
    public async Task AGroupMessageSentOnOneAppReachesTheOtherAppsClientsThroughALeaderKill()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.WaitForLeaderAsync();
        var followers = cluster.Nodes.Where(n => n != leader).ToList();
        var (appA, urlA) = await StartAppAsync(followers[0].Port);
        var (appB, urlB) = await StartAppAsync(followers[1].Port);
        await using var _ = appA;
        await using var __ = appB;
        var listener = new HubConnectionBuilder().WithUrl(urlA + "/chat").Build();
        var sender = new HubConnectionBuilder().WithUrl(urlB + "/chat").Build();
        await using var ___ = listener;
        await using var ____ = sender;
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        listener.On<string>("message", m => received.Writer.TryWrite(m));
        await listener.StartAsync();
        await sender.StartAsync();
        await listener.InvokeAsync("Join", "room");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await sender.InvokeAsync("Send", "room", "before", deadline.Token);
        Assert.Equal("before", await received.Reader.ReadAsync(deadline.Token));

        leader.Kill();
        await cluster.WaitForLeaderAsync(except: leader);
        // Published through the log: once a new leader commits it, both followers hand it out.
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await sender.InvokeAsync("Send", "room", "after", deadline.Token);
            }
            catch (Exception) when (!deadline.IsCancellationRequested)
            {
                return false; // the backplane's publish failed while there was no leader
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            wait.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                while (await received.Reader.ReadAsync(wait.Token) != "after")
                {
                }
                return true;
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "a group message after the leader change");
    }
}
