using Microsoft.Extensions.Hosting;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// One gateway serves one SQLite database (ADR 0057). A second <c>onemcp serve</c> on the same file (the default data
/// directory shared by two gateways with different mcp.json files) would sync its own mcp.json into the first one's
/// store, deleting the backends only the first one's file names with their OAuth tokens and users' connections, and
/// neither would hear of the other's changes (on SQLite there is no change feed). The start takes an exclusive lock on
/// <c>onemcp.db.serve-lock</c> before anything touches the database and keeps it for the process's life; the
/// operating system releases it when the process ends, however it ends. The command line (<c>onemcp users</c>,
/// <c>onemcp migrate</c>) does not take it: it works on a served database as before.
/// </summary>
internal sealed class SqliteServeLock(PersistenceOptions options) : IHostedService, IDisposable
{
    private FileStream? _lock;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var database = options.SqliteDatabasePath;
        SqliteDatabaseFile.Prepare(database);
        var path = database + ".serve-lock";
        var lockOptions = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            lockOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            // The file stays when released: deleting it would let the next gateway lock an unlinked copy.
            _lock = new FileStream(path, lockOptions);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new InvalidOperationException(
                $"another gateway is already serving the database {database}. One SQLite database serves one gateway: give " +
                "this one its own --data-dir, or point every gateway at one PostgreSQL database with --database.", e);
        }

        return Task.CompletedTask;
    }

    // Held until the process's services are disposed: a gateway that is stopping still writes (the audit log's drain).
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _lock?.Dispose();
}
