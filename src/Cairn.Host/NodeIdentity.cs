using System.Security.Cryptography;

namespace Cairn.Host;

/// <summary>
/// A node's stable id, stored in its data directory (file "node_id") the first time it starts.
/// Identity is this id, never the address, so a node keeps it across address changes.
/// </summary>
public static class NodeIdentity
{
    public const string FileName = "node_id";

    public static bool IsValid(string id) =>
        id.Length is > 0 and <= 64 && id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.');

    public static string LoadOrCreate(string dataDirectory, string configured)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var stored = File.ReadAllText(path).Trim();
            if (configured.Length > 0 && configured != stored)
            {
                throw new ConfigException($"data directory '{dataDirectory}' belongs to node '{stored}', but node_id is '{configured}'");
            }
            return stored;
        }
        var id = configured.Length > 0 ? configured : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(id + "\n"));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        return id;
    }
}
