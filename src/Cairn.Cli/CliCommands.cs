using System.CommandLine;
using System.Text;
using Cairn.Cli.Clients;

namespace Cairn.Cli;

/// <summary>
/// The cairn command tree. The same tree serves the shell (one command per process) and the REPL (one per
/// line, sharing the REPL's session); <see cref="SessionFor"/> tells which.
/// </summary>
public sealed class CliCommands
{
    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = "Node(s) to talk to, host[:port], comma-separated; the next is tried when one is down (default 127.0.0.1 on the protocol's port)",
        Recursive = true,
    };

    public Option<Protocol?> ProtocolOption { get; } = new("--protocol", "-P")
    {
        Description = "resp (port 6379), http (8080) or grpc (50051); default resp, grpc for watch",
        Recursive = true,
    };

    public Option<OutputFormat> Format { get; } = new("--format", "-o")
    {
        Description = "table (for people) or json (for scripts)",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for each request",
        DefaultValueFactory = _ => 5,
        Recursive = true,
    };

    public RootCommand Root { get; }

    /// <summary>The session a command runs in, given its parse result and its default protocol.</summary>
    public Func<ParseResult, Protocol, Session> SessionFor { get; set; }

    /// <summary>Starts the REPL (set by the program; the REPL cannot start itself).</summary>
    public Func<ParseResult, CancellationToken, Task<int>>? RunRepl { get; set; }

    /// <summary>True inside the REPL: sessions are shared and must not be disposed per command.</summary>
    public bool SharedSession { get; set; }

    public CliCommands(TextWriter output, TextWriter error)
    {
        Output = output;
        Error = error;
        SessionFor = NewSession;
        Root = new RootCommand("cairn: the command-line client of Cairn, a Raft-replicated, Redis-compatible key-value database");
        Root.Options.Add(Server);
        Root.Options.Add(ProtocolOption);
        Root.Options.Add(Format);
        Root.Options.Add(Timeout);
        Root.Subcommands.Add(Get());
        Root.Subcommands.Add(Put());
        Root.Subcommands.Add(Delete());
        Root.Subcommands.Add(List());
        Root.Subcommands.Add(Watch());
        Root.Subcommands.Add(ClusterCommand());
        Root.Subcommands.Add(HealthCommand());
        var repl = new Command("repl", "An interactive shell: cairn commands and raw Redis commands, with history and line editing");
        repl.SetAction((result, token) => RunRepl?.Invoke(result, token) ?? Task.FromResult(1));
        Root.Subcommands.Add(repl);
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public Session NewSession(ParseResult result, Protocol defaultProtocol)
    {
        var protocol = result.GetValue(ProtocolOption) ?? defaultProtocol;
        var settings = new CliSettings(CliSettings.ParseServers(result.GetValue(Server), protocol), protocol, result.GetValue(Format),
            TimeSpan.FromSeconds(Math.Max(0.1, result.GetValue(Timeout))));
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(Output) });
        if (Console.IsOutputRedirected)
        {
            // Into a file or a pipe: no terminal width to wrap tables at.
            console.Profile.Width = 240;
        }
        return new Session(new Connector(settings), new Printer(settings.Format, Output, console));
    }

    private static readonly Argument<string> KeyArgument = new("key") { Description = "The key (UTF-8)" };

    private Command Get()
    {
        var stale = new Option<bool>("--stale") { Description = "Read this node's state even if it is behind the leader (no ReadIndex round)" };
        var command = new Command("get", "Reads a key") { KeyArgument, stale };
        SetAction(command, Protocol.Resp, async (result, session, token) =>
        {
            var key = Bytes(result.GetValue(KeyArgument)!);
            session.Printer.Value(await session.Connector.RunAsync(c => c.GetAsync(key, result.GetValue(stale), token), token));
            return 0;
        });
        return command;
    }

    private Command Put()
    {
        var value = new Argument<string?>("value") { Description = "The value (UTF-8); read from standard input when left out", Arity = ArgumentArity.ZeroOrOne };
        var ttl = new Option<long>("--ttl") { Description = "Seconds until the key expires (like SET EX)" };
        var command = new Command("put", "Stores a value") { KeyArgument, value, ttl };
        SetAction(command, Protocol.Resp, async (result, session, token) =>
        {
            var key = Bytes(result.GetValue(KeyArgument)!);
            var seconds = result.GetValue(ttl);
            if (seconds < 0)
            {
                throw new CliException("--ttl must be a positive number of seconds");
            }
            byte[] bytes;
            if (result.GetValue(value) is { } text)
            {
                bytes = Bytes(text);
            }
            else
            {
                using var input = new MemoryStream();
                await Console.OpenStandardInput().CopyToAsync(input, token);
                bytes = input.ToArray();
            }
            session.Printer.Put(key, await session.Connector.RunAsync(c => c.PutAsync(key, bytes, seconds, token), token));
            return 0;
        });
        return command;
    }

    private Command Delete()
    {
        var command = new Command("delete", "Deletes a key") { KeyArgument };
        command.Aliases.Add("del");
        SetAction(command, Protocol.Resp, async (result, session, token) =>
        {
            var key = Bytes(result.GetValue(KeyArgument)!);
            session.Printer.Deleted(key, await session.Connector.RunAsync(c => c.DeleteAsync(key, token), token));
            return 0;
        });
        return command;
    }

    private Command List()
    {
        var prefix = new Argument<string>("prefix") { Description = "Only keys that start with this", DefaultValueFactory = _ => "" };
        var limit = new Option<int>("--limit") { Description = "At most this many keys (1 to 10000)", DefaultValueFactory = _ => 100 };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after a previous page" };
        var values = new Option<bool>("--values") { Description = "Show values, revisions and expiry too" };
        var command = new Command("list", "Lists keys by prefix, a page at a time (in key order over http and grpc, hash order over resp)") { prefix, limit, cursor, values };
        command.Aliases.Add("ls");
        SetAction(command, Protocol.Resp, async (result, session, token) =>
        {
            var count = result.GetValue(limit);
            if (count is < 1 or > 10_000)
            {
                throw new CliException("--limit must be from 1 to 10000");
            }
            var withValues = result.GetValue(values);
            var page = await session.Connector.RunAsync(c => c.ListAsync(Bytes(result.GetValue(prefix)!), count, result.GetValue(cursor), withValues, token), token);
            session.Printer.List(page, withValues);
            return 0;
        });
        return command;
    }

    private Command Watch()
    {
        var prefix = new Argument<string>("prefix") { Description = "Only keys that start with this", DefaultValueFactory = _ => "" };
        var from = new Option<long>("--from") { Description = "Start at this revision (default: from now)" };
        var command = new Command("watch", "Prints changes to keys as they are committed (over gRPC); reconnects to another --server if its node goes away") { prefix, from };
        SetAction(command, Protocol.Grpc, async (result, session, token) =>
        {
            var next = result.GetValue(from);
            var bytes = Bytes(result.GetValue(prefix)!);
            await session.Connector.RunAsync(async client =>
            {
                // After a reconnect, resume after the last change printed: none is lost or repeated.
                await foreach (var change in client.WatchAsync(bytes, next, token))
                {
                    session.Printer.Change(change);
                    next = change.Revision + 1;
                }
            }, token);
            return 0;
        });
        return command;
    }

    private Command ClusterCommand()
    {
        var cluster = new Command("cluster", "The cluster: status, and adding or removing members");
        var status = new Command("status", "Leader, term and members with their replication state (match and lag are known on the leader)");
        SetAction(status, Protocol.Resp, async (result, session, token) =>
        {
            session.Printer.Cluster(await session.Connector.RunAsync(c => c.ClusterAsync(token), token));
            return 0;
        });
        var id = new Argument<string>("id") { Description = "The node's id (its --node-id)" };
        var address = new Argument<string>("raft-address") { Description = "The node's Raft (peer) address, host:port" };
        var learner = new Option<bool>("--learner") { Description = "Keep it a learner: it receives the log and serves reads but never votes" };
        var join = new Command("join", "Adds a node: it joins as a learner and becomes a voter once caught up") { id, address, learner };
        SetAction(join, Protocol.Resp, async (result, session, token) =>
        {
            await session.Connector.RunAsync(c => c.AddMemberAsync(result.GetValue(id)!, result.GetValue(address)!, result.GetValue(learner), token), token);
            session.Printer.Message("OK");
            return 0;
        });
        var removeId = new Argument<string>("id") { Description = "The member's node id" };
        var remove = new Command("remove", "Removes a member") { removeId };
        SetAction(remove, Protocol.Resp, async (result, session, token) =>
        {
            await session.Connector.RunAsync(c => c.RemoveMemberAsync(result.GetValue(removeId)!, token), token);
            session.Printer.Message("OK");
            return 0;
        });
        cluster.Subcommands.Add(status);
        cluster.Subcommands.Add(join);
        cluster.Subcommands.Add(remove);
        return cluster;
    }

    private Command HealthCommand()
    {
        var command = new Command("health", "Whether each --server is live and ready (a member with a known leader, caught up); exit 1 if any is not");
        SetAction(command, Protocol.Resp, async (result, session, token) =>
        {
            var allReady = true;
            foreach (var server in session.Connector.Settings.Servers)
            {
                await using var one = new Connector(session.Connector.Settings with { Servers = [server] });
                try
                {
                    var health = await one.RunAsync(c => c.HealthAsync(token), token);
                    session.Printer.Health(server, health);
                    allReady &= health.Ready;
                }
                catch (CliException ex)
                {
                    session.Printer.Health(server, new Health(false, false, "?", "unreachable", null, ex.Message));
                    allReady = false;
                }
            }
            return allReady ? 0 : 1;
        });
        return command;
    }

    private void SetAction(Command command, Protocol defaultProtocol, Func<ParseResult, Session, CancellationToken, Task<int>> action) =>
        command.SetAction(async (result, token) =>
        {
            var session = SessionFor(result, defaultProtocol);
            try
            {
                return await action(result, session, token);
            }
            catch (CliException ex)
            {
                Error.WriteLine(SharedSession ? "(error) " + ex.Message : "cairn: " + ex.Message);
                return 1;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return 130;
            }
            finally
            {
                if (!SharedSession)
                {
                    await session.DisposeAsync();
                }
            }
        });

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
