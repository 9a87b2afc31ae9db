using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage.Wal.Tests;

/// <summary>The real file system, with faults switched on by the test: full disk on writes or on new files, failing fdatasync.</summary>
public sealed class FaultyIo : WalFileIo
{
    public volatile bool FailWrites;
    public volatile bool FailSyncs;
    public volatile bool FailCreates;

    /// <summary>Every handle synced, in order.</summary>
    public List<SafeFileHandle> Synced { get; } = [];

    /// <summary>Length of every write that failed, in order.</summary>
    public List<int> FailedWrites { get; } = [];

    public override SafeFileHandle Open(string path, FileMode mode, FileAccess access) =>
        FailCreates && mode != FileMode.Open ? throw new IOException("No space left on device") : base.Open(path, mode, access);

    public override void Write(SafeFileHandle file, ReadOnlySpan<byte> data, long offset)
    {
        if (FailWrites && data.ContainsAnyExcept((byte)0))
        {
            lock (FailedWrites)
            {
                FailedWrites.Add(data.Length);
            }
            // Part of it landed, as a real short write would leave it.
            base.Write(file, data[..(data.Length / 2)], offset);
            throw new IOException("No space left on device");
        }
        base.Write(file, data, offset);
    }

    public override void DataSync(SafeFileHandle file)
    {
        lock (Synced)
        {
            Synced.Add(file);
        }
        if (FailSyncs)
        {
            throw new IOException("fdatasync failed: errno 5");
        }
        base.DataSync(file);
    }
}
