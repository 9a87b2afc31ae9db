using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>Debian's redis-cli (package redis-tools, installed by .ci/run) against a real server.</summary>
public class RedisCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task CommandsPrintAsAgainstRedis()
    {
        Assert.Equal("PONG", await Cli("PING"));
        Assert.Equal("OK", await Cli("SET", "cli:k", "hello world"));
        Assert.Equal("hello world", await Cli("GET", "cli:k"));
        Assert.Equal("(integer) 11", await Cli("--no-raw", "STRLEN", "cli:k"));
        Assert.Equal("(nil)", await Cli("--no-raw", "GET", "cli:none"));
        Assert.Equal("1) \"hello world\"\n2) (nil)", await Cli("--no-raw", "MGET", "cli:k", "cli:none"));
        Assert.Equal("(error) ERR wrong number of arguments for 'get' command", await Cli("--no-raw", "GET"));
        Assert.Equal("(error) ERR unknown command 'FOO', with args beginning with: 'x' ", await Cli("--no-raw", "FOO", "x"));
    }

    [Fact]
    public async Task PipedCommandsAndResp3()
    {
        Assert.Equal("OK\n3\nv", await CliWithInput("SET cli:p v\nINCRBY cli:n 3\nGET cli:p\n"));
        Assert.Equal("(nil)", await Cli("-3", "--no-raw", "GET", "cli:none3"));
    }

    private Task<string> Cli(params string[] args) => CliWithInput(null, args);

    private async Task<string> CliWithInput(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", "127.0.0.1", "-p", fixture.Server.Port.ToString() }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("redis-cli is not installed: apt-get install redis-tools (.ci/run does)");
        }
        using (process)
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
                process.StandardInput.Close();
            }
            var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync();
            return output.TrimEnd('\n');
        }
    }
}
