using Cairn.Cli;
using Cairn.Cli.Repl;

// Exit codes: 0 done, 1 the server refused or could not be reached, 2 bad usage, 130 interrupted.
var commands = new CliCommands(Console.Out, Console.Error);
commands.RunRepl = (result, token) => ReplLoop.StartAsync(commands, result, token);
var parsed = commands.Root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"cairn: {error.Message}");
    }
    Console.Error.WriteLine("(see cairn --help)");
    return 2;
}
return await parsed.InvokeAsync();
