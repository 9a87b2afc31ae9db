namespace Cairn.Server.Tests;

/// <summary>INFO-style text ("# Section" headers, "field:value" lines) as fields; the first of a repeated field wins.</summary>
public static class InfoFields
{
    public static Dictionary<string, string> Parse(string info) =>
        info.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Contains(':') && !line.StartsWith('#'))
            .Select(line => line.Split(':', 2))
            .GroupBy(pair => pair[0])
            .ToDictionary(g => g.Key, g => g.First()[1]);
}
