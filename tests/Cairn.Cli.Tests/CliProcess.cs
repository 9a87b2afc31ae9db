using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Cairn.Cli.Tests;

/// <summary>The cairn CLI run as a real process, as a user or a script runs it.</summary>
public static class CliProcess
{
    private static readonly string CliPath = Path.GetFullPath(typeof(CliProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CairnCliPath").Value!);

    public sealed record Result(int ExitCode, string Output, string Error);

    public static Process Start(IEnumerable<string> args, bool redirectInput = false)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["CAIRN_HISTFILE"] = Path.Combine(Path.GetTempPath(), "cairn-test-history-" + Guid.NewGuid().ToString("N"));
        return Process.Start(info)!;
    }

    public static async Task<Result> RunAsync(IEnumerable<string> args, string? input = null, TimeSpan? timeout = null)
    {
        using var process = Start(args, redirectInput: true);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cairn {string.Join(' ', args)} did not finish: {await output}{await error}");
        }
        return new Result(process.ExitCode, await output, await error);
    }
}
