namespace OneMcp.Infrastructure.Persistence;

/// <summary>Creates the data directory and an empty database file readable by the owner only (it holds secrets).</summary>
internal static class SqliteDatabaseFile
{
    public static void Prepare(string databasePath)
    {
        var directory = Path.GetDirectoryName(databasePath)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (File.Exists(databasePath) || OperatingSystem.IsWindows())
        {
            return;
        }

        // SQLite creates its -wal and -shm files with the permissions of the database file. OpenOrCreate leaves a
        // file that another process created a moment ago (and its permissions) as it is.
        using var _ = new FileStream(databasePath, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }
}
