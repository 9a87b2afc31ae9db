using System.Text.RegularExpressions;
using Cairn.Storage;

namespace Cairn.Replication;

/// <summary>
/// Stages the files of a checkpoint a leader sends, chunk by chunk, in its own directory under
/// <c>root</c> ("incoming-{sender}-{transfer}"). Chunks of a file must arrive in order (the sender
/// awaits each); file names are plain names, never paths. A new transfer from a sender discards that
/// sender's unfinished one. Thread-safe.
/// </summary>
public sealed partial class SnapshotReceiver(string root)
{
    private readonly Lock _lock = new();

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> of <paramref name="file"/>; throws InvalidDataException for what a sender must not send.</summary>
    public void Chunk(ulong from, ulong transfer, string file, ulong offset, ReadOnlySpan<byte> data)
    {
        if (!SafeName().IsMatch(file) || file is "." or "..")
        {
            throw new InvalidDataException($"bad file name in a snapshot: '{file}'");
        }
        lock (_lock)
        {
            var directory = DirectoryOf(from, transfer);
            if (!Directory.Exists(directory))
            {
                DiscardFrom(from);
                Directory.CreateDirectory(directory);
            }
            var path = Path.Combine(directory, file);
            using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write);
            if ((ulong)stream.Length != offset)
            {
                throw new InvalidDataException($"snapshot file {file}: chunk at offset {offset}, but {stream.Length} bytes arrived");
            }
            stream.Seek(0, SeekOrigin.End);
            stream.Write(data);
        }
    }

    /// <summary>
    /// Ends a transfer: checks the file count, makes every file durable, and returns the directory (now
    /// the caller's to install or delete).
    /// </summary>
    public string Complete(ulong from, ulong transfer, int files)
    {
        lock (_lock)
        {
            var directory = DirectoryOf(from, transfer);
            var present = Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
            if (present.Length != files)
            {
                throw new InvalidDataException($"snapshot transfer incomplete: {present.Length} of {files} files arrived");
            }
            foreach (var path in present)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
                stream.Flush(flushToDisk: true);
            }
            FileDurability.SyncDirectory(directory);
            var taken = directory + ".complete";
            Directory.Move(directory, taken);
            return taken;
        }
    }

    private string DirectoryOf(ulong from, ulong transfer) => Path.Combine(root, $"incoming-{from:x16}-{transfer:x16}");

    private void DiscardFrom(ulong from)
    {
        if (!Directory.Exists(root))
        {
            return;
        }
        foreach (var stale in Directory.GetDirectories(root, $"incoming-{from:x16}-*"))
        {
            if (!stale.EndsWith(".complete", StringComparison.Ordinal))
            {
                Directory.Delete(stale, recursive: true);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,200}$")]
    private static partial Regex SafeName();
}
