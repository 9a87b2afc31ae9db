using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage.Wal;

/// <summary>
/// The file operations the log makes, in one place so tests can put faults under them (a failed write, a full
/// disk, a failed fdatasync). The default is the real file system.
/// </summary>
public class WalFileIo
{
    public static readonly WalFileIo Default = new();

    public virtual SafeFileHandle Open(string path, FileMode mode, FileAccess access) =>
        File.OpenHandle(path, mode, access, FileShare.ReadWrite);

    public virtual void Write(SafeFileHandle file, ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(file, data, offset);

    /// <summary>fdatasync(2). After it fails, what the file holds on disk is unknown (Linux marks the failed pages clean).</summary>
    public virtual void DataSync(SafeFileHandle file) => FileDurability.DataSync(file);

    public virtual void SyncDirectory(string path) => FileDurability.SyncDirectory(path);
}
