using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cairn.Chaos.Checking;

/// <summary>A history as JSON lines, one operation each (what a run writes and `cairn-chaos check` reads).</summary>
public static class HistoryFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Write(string path, IEnumerable<Operation> history) =>
        File.WriteAllLines(path, history.Select(o => JsonSerializer.Serialize(o, Options)));

    public static List<Operation> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<Operation>(l, Options)!).ToList();
}
