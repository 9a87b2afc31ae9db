using System.Text;

namespace Cairn.StateMachine.Tests;

public class GlobAndNumberTests
{
    [Theory]
    [InlineData("h?llo", "hello", true)]
    [InlineData("h?llo", "hllo", false)]
    [InlineData("h*llo", "heeeello", true)]
    [InlineData("h*llo", "hllo", true)]
    [InlineData("h[ae]llo", "hallo", true)]
    [InlineData("h[ae]llo", "hillo", false)]
    [InlineData("h[^e]llo", "hallo", true)]
    [InlineData("h[^e]llo", "hello", false)]
    [InlineData("h[a-b]llo", "hbllo", true)]
    [InlineData("h[b-a]llo", "hallo", true)]
    [InlineData("h\\*llo", "h*llo", true)]
    [InlineData("h\\*llo", "hello", false)]
    // Redis's stringmatchlen says no here; KEYS and SCAN special-case a lone "*" before calling it.
    [InlineData("*", "", false)]
    [InlineData("a*", "", false)]
    [InlineData("**a**", "xxa", true)]
    [InlineData("[abc", "a", true)]
    [InlineData("user:*:name", "user:42:name", true)]
    public void MatchesLikeRedis(string pattern, string text, bool expected) =>
        Assert.Equal(expected, GlobPattern.IsMatch(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void PathologicalPatternsFinish()
    {
        var pattern = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("*a", 30)) + "b");
        Assert.False(GlobPattern.IsMatch(pattern, Encoding.ASCII.GetBytes(new string('a', 40))));
    }

    [Theory]
    [InlineData(10.6, "10.6")]
    [InlineData(5000.0, "5000")]
    [InlineData(-0.0, "0")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1.5e-20, "0")]
    [InlineData(3.0e-5, "0.00003")]
    public void FormatsFloatsWithoutExponent(double value, string expected) =>
        Assert.Equal(expected, RedisNumbers.FormatDouble(value));

    [Theory]
    [InlineData("1.5", true)]
    [InlineData("-inf", true)]
    [InlineData("1e3", true)]
    [InlineData(" 1", false)]
    [InlineData("1 ", false)]
    [InlineData("abc", false)]
    [InlineData("nan", false)]
    [InlineData("", false)]
    [InlineData("1\0", false)]
    [InlineData("1\0" + "1", false)]
    public void ParsesFloatsLikeRedis(string text, bool ok) =>
        Assert.Equal(ok, RedisNumbers.TryParseDouble(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("0x10", 16.0)]
    [InlineData("-0X1A", -26.0)]
    [InlineData("0x.8", 0.5)]
    [InlineData("0x1.8p1", 3.0)]
    [InlineData("+0x1p-2", 0.25)]
    [InlineData("0xffP+4", 4080.0)]
    public void ParsesHexadecimalFloatsAsStrtoldDoes(string text, double expected)
    {
        Assert.True(RedisNumbers.TryParseDouble(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("0x")]
    [InlineData("0x.")]
    [InlineData("0x1p")]
    [InlineData("0x1p+")]
    [InlineData("0x1g")]
    [InlineData("0x1.2.3")]
    [InlineData("x10")]
    public void RejectsMalformedHexadecimalFloats(string text) =>
        Assert.False(RedisNumbers.TryParseDouble(Encoding.ASCII.GetBytes(text), out _));
}
