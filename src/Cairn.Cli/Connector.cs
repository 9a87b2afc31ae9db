using Cairn.Cli.Clients;

namespace Cairn.Cli;

/// <summary>
/// Runs each request against a reachable server: the one that answered last, then the others given with
/// --server, then (over RESP) the members the cluster reported — so the CLI moves on when a node dies and
/// finds the leader's node when it must. Errors the server answered with are not retried elsewhere.
/// </summary>
public sealed class Connector(CliSettings settings) : IAsyncDisposable
{
    private readonly List<string> _known = [.. settings.Servers];
    private ICairnClient? _client;

    public CliSettings Settings { get; } = settings;

    /// <summary>The server requests currently go to.</summary>
    public string Current => _client?.Server ?? _known[0];

    /// <summary>Says which server the CLI moved to (the REPL prints it).</summary>
    public event Action<string>? Moved;

    public async Task<T> RunAsync<T>(Func<ICairnClient, Task<T>> request, CancellationToken cancellationToken)
    {
        UnreachableException? last = null;
        var tried = new HashSet<string>();
        while (true)
        {
            var server = _client?.Server ?? _known.FirstOrDefault(s => !tried.Contains(s));
            if (server is null)
            {
                throw new CliException(last is null ? "no server to connect to" : $"no server answered; last: {last.Message}");
            }
            tried.Add(server);
            _client ??= Create(server);
            try
            {
                var result = await request(_client);
                if (last is not null)
                {
                    Moved?.Invoke(server);
                }
                return result;
            }
            catch (UnreachableException ex)
            {
                last = ex;
                await _client.DisposeAsync();
                _client = null;
                await LearnMembersAsync(tried, cancellationToken);
            }
        }
    }

    public Task RunAsync(Func<ICairnClient, Task> request, CancellationToken cancellationToken) =>
        RunAsync(async client =>
        {
            await request(client);
            return true;
        }, cancellationToken);

    /// <summary>Over RESP, asks any reachable known server for the members' addresses, leader first.</summary>
    private async Task LearnMembersAsync(HashSet<string> tried, CancellationToken cancellationToken)
    {
        if (Settings.Protocol != Protocol.Resp)
        {
            return;
        }
        foreach (var server in _known.Where(s => !tried.Contains(s)).ToList())
        {
            await using var probe = new RespCairnClient(server, Settings.Timeout);
            try
            {
                var cluster = await probe.ClusterAsync(cancellationToken);
                var leader = cluster.Members.FirstOrDefault(m => m.Id == cluster.Leader)?.RespAddress;
                foreach (var address in cluster.Members.Select(m => m.RespAddress).Where(a => a.Length > 0).OrderBy(a => a == leader ? 0 : 1))
                {
                    if (!_known.Contains(address))
                    {
                        _known.Insert(_known.IndexOf(server), address);
                    }
                }
                return;
            }
            catch (Exception ex) when (ex is UnreachableException or CliException)
            {
            }
        }
    }

    private ICairnClient Create(string server) => Settings.Protocol switch
    {
        Protocol.Http => new HttpCairnClient(server, Settings.Timeout),
        Protocol.Grpc => new GrpcCairnClient(server, Settings.Timeout),
        _ => new RespCairnClient(server, Settings.Timeout),
    };

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}
