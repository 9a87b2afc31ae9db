using System.CommandLine;
using System.Text;
using Cairn.Cli.Clients;
using Cairn.Resp;

namespace Cairn.Cli.Repl;

/// <summary>
/// The interactive shell: each line is a cairn command (get, put, delete, list, watch, cluster, health) run
/// through the same command tree as the shell, or else a raw Redis command sent over RESP and printed as
/// redis-cli prints replies. Ctrl-C stops a running command (a watch); exit, quit or Ctrl-D leaves.
/// </summary>
public sealed class ReplLoop(CliCommands commands, Session session, ILineReader reader, TextWriter output, TextWriter error)
{
    private static readonly HashSet<string> CairnVerbs = ["get", "put", "delete", "del", "list", "ls", "watch", "cluster", "health"];
    private RespCairnClient? _raw;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var settings = session.Connector.Settings;
        output.WriteLine($"cairn {typeof(ReplLoop).Assembly.GetName().Version?.ToString(3)}: {settings.Protocol.ToString().ToLowerInvariant()} to {session.Connector.Current}. Type help for commands, exit to leave.");
        session.Connector.Moved += server => error.WriteLine($"(now talking to {server})");
        while (!cancellationToken.IsCancellationRequested)
        {
            var line = reader.ReadLine($"{session.Connector.Current}> ");
            if (line is null)
            {
                return 0;
            }
            var args = ArgSplitter.Split(line);
            if (args is null)
            {
                error.WriteLine("Invalid argument(s)");
                continue;
            }
            if (args.Count == 0)
            {
                continue;
            }
            var verb = Encoding.UTF8.GetString(args[0]).ToLowerInvariant();
            if (verb is "exit" or "quit")
            {
                return 0;
            }
            using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ConsoleCancelEventHandler stop = (_, e) =>
            {
                e.Cancel = true;
                running.Cancel();
            };
            Console.CancelKeyPress += stop;
            try
            {
                if (verb == "help")
                {
                    Help();
                }
                else if (IsCairnCommand(verb, args))
                {
                    var words = args.Select(a => Encoding.UTF8.GetString(a)).ToArray();
                    await commands.Root.Parse(words).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = output, Error = error }, running.Token);
                }
                else
                {
                    await RawAsync(args, running.Token);
                }
            }
            catch (OperationCanceledException) when (running.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                output.WriteLine("(interrupted)");
            }
            finally
            {
                Console.CancelKeyPress -= stop;
            }
        }
        return 0;
    }

    /// <summary>GET and DEL are Redis's too: as such (printed as redis-cli does) unless given cairn options.</summary>
    private static bool IsCairnCommand(string verb, List<byte[]> args) => verb switch
    {
        "get" or "del" => args.Skip(1).Any(a => a.AsSpan().StartsWith("--"u8)),
        _ => CairnVerbs.Contains(verb),
    };

    /// <summary>A raw Redis command over RESP: to the server itself, or (over http) to the node's RESP address.</summary>
    private async Task RawAsync(List<byte[]> args, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await session.Connector.RunAsync(async client =>
            {
                var resp = client as RespCairnClient ?? await RespFor(client, cancellationToken);
                return await resp.CallAsync(args, cancellationToken);
            }, cancellationToken);
            output.WriteLine(reply.ToRedisCliText());
        }
        catch (CliException ex)
        {
            error.WriteLine("(error) " + ex.Message);
        }
    }

    private async Task<RespCairnClient> RespFor(ICairnClient client, CancellationToken cancellationToken)
    {
        if (_raw is not null)
        {
            return _raw;
        }
        if (client is GrpcCairnClient)
        {
            throw new CliException("raw Redis commands go over RESP: start the REPL with --protocol resp or http");
        }
        var cluster = await client.ClusterAsync(cancellationToken);
        var address = cluster.Members.FirstOrDefault(m => m.Id == cluster.Node)?.RespAddress;
        if (string.IsNullOrEmpty(address))
        {
            throw new CliException("this node did not report its RESP address");
        }
        return _raw = new RespCairnClient(address, session.Connector.Settings.Timeout);
    }

    private void Help() => output.WriteLine("""
        cairn commands:
          get KEY [--stale]                 read a key
          put KEY VALUE [--ttl SECONDS]     store a value
          delete KEY                        delete a key
          list [PREFIX] [--limit N] [--values] [--cursor C]
          watch [PREFIX] [--from REVISION]  print changes as they commit (Ctrl-C stops)
          cluster status | join ID RAFT-ADDRESS | remove ID
          health
          help, exit
        Anything else is sent as a Redis command, e.g. SET k v EX 10, INCR n, MGET a b, RAFT.INFO.
        Quote arguments with spaces: SET greeting "hello world".
        """);

    public static Task<int> StartAsync(CliCommands commands, ParseResult result, CancellationToken cancellationToken)
    {
        var session = commands.NewSession(result, Protocol.Resp);
        commands.SharedSession = true;
        commands.SessionFor = (_, _) => session;
        ILineReader reader = Console.IsInputRedirected ? new PlainLineReader(Console.In) : new ConsoleLineReader(ConsoleLineReader.DefaultHistoryFile());
        var loop = new ReplLoop(commands, session, reader, commands.Output, commands.Error);
        return RunAndDisposeAsync(loop, session, cancellationToken);
    }

    private static async Task<int> RunAndDisposeAsync(ReplLoop loop, Session session, CancellationToken cancellationToken)
    {
        await using (session)
        {
            try
            {
                return await loop.RunAsync(cancellationToken);
            }
            finally
            {
                if (loop._raw is not null)
                {
                    await loop._raw.DisposeAsync();
                }
            }
        }
    }
}
