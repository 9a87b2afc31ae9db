using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage;

/// <summary>Making files and directory entries durable (Linux system calls; portable fallbacks elsewhere).</summary>
public static partial class FileDurability
{
    /// <summary>fdatasync(2): file data (and the size, if it changed) on stable storage, without other metadata.</summary>
    public static void DataSync(SafeFileHandle handle)
    {
        if (OperatingSystem.IsLinux())
        {
            if (fdatasync(handle) != 0)
            {
                throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
            }
            return;
        }
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>fsync(2) on a directory, so a file created in it survives a crash.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        const int ReadOnly = 0, Directory = 0x10000;
        var fd = open(path, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {path} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
