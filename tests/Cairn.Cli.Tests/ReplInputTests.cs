using System.Text;
using Cairn.Cli.Repl;

namespace Cairn.Cli.Tests;

/// <summary>How the REPL reads a line: redis-cli's argument splitting, and the line editor's keys and history.</summary>
public class ReplInputTests
{
    [Theory]
    [InlineData("SET k v", new[] { "SET", "k", "v" })]
    [InlineData("  set   \"hello world\"  'its'  ", new[] { "set", "hello world", "its" })]
    [InlineData("set \"a\\tb\\x41\\\"\" 'don\\'t'", new[] { "set", "a\tbA\"", "don't" })]
    [InlineData("get \"unterminated", null)]
    [InlineData("get \"closed\"glued", null)]
    [InlineData("", new string[0])]
    [InlineData("put k 🙂", new[] { "put", "k", "🙂" })]
    public void ArgumentsSplitAsRedisCliSplitsThem(string line, string[]? expected)
    {
        var args = ArgSplitter.Split(line);
        if (expected is null)
        {
            Assert.Null(args);
        }
        else
        {
            Assert.Equal(expected, args!.Select(a => Encoding.UTF8.GetString(a)));
        }
    }

    [Fact]
    public void ABinaryEscapeMakesThatByte()
    {
        Assert.Equal([0x00, 0xFF], ArgSplitter.Split("\"\\x00\\xff\"")![0]);
    }

    [Fact]
    public void TheLineEditorInsertsMovesDeletesAndRecallsHistory()
    {
        var buffer = new LineBuffer(["first", "second"]);
        Type(buffer, "get kx");
        Press(buffer, ConsoleKey.LeftArrow);
        Press(buffer, ConsoleKey.Backspace);
        Type(buffer, "K");
        Assert.Equal("get Kx", buffer.Text);
        Press(buffer, ConsoleKey.A, control: true);
        Type(buffer, ">");
        Assert.Equal(">get Kx", buffer.Text);
        Press(buffer, ConsoleKey.E, control: true);
        Press(buffer, ConsoleKey.W, control: true);
        Assert.Equal(">get ", buffer.Text);

        Press(buffer, ConsoleKey.UpArrow);
        Assert.Equal("second", buffer.Text);
        Press(buffer, ConsoleKey.UpArrow);
        Press(buffer, ConsoleKey.UpArrow);
        Assert.Equal("first", buffer.Text);
        Press(buffer, ConsoleKey.DownArrow);
        Press(buffer, ConsoleKey.DownArrow);
        Assert.Equal(">get ", buffer.Text);

        Press(buffer, ConsoleKey.Home);
        Press(buffer, ConsoleKey.Delete);
        Press(buffer, ConsoleKey.K, control: true);
        Assert.Equal("", buffer.Text);
        Assert.Equal(LineAction.EndOfInput, Press(buffer, ConsoleKey.D, control: true));
        Type(buffer, "x");
        Assert.Equal(LineAction.Cancel, Press(buffer, ConsoleKey.C, control: true));
        Assert.Equal(LineAction.Submit, Press(buffer, ConsoleKey.Enter));
    }

    private static LineAction Press(LineBuffer buffer, ConsoleKey key, bool control = false) =>
        buffer.Apply(new ConsoleKeyInfo('\0', key, shift: false, alt: false, control));

    private static void Type(LineBuffer buffer, string text)
    {
        foreach (var c in text)
        {
            buffer.Apply(new ConsoleKeyInfo(c, ConsoleKey.NoName, shift: false, alt: false, control: false));
        }
    }
}
