using System.Runtime.InteropServices;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// Flushes a directory's entries to disk (<c>fsync</c> on the directory), so a file just created or renamed in it
/// survives a power cut. Linux and macOS only, and best effort: Windows has no such call (NTFS journals its metadata),
/// and a file system that cannot sync a directory is left as it is.
/// </summary>
internal static partial class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var descriptor = Open(directory, 0);
        if (descriptor < 0)
        {
            return;
        }

        _ = Sync(descriptor);
        _ = Close(descriptor);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Sync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int descriptor);
}
