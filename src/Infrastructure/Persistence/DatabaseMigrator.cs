using System.Data.Common;
using System.Reflection;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;
using DbUp.Engine.Output;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Applies the versioned SQL scripts of the configured engine (DbUp, one transaction per script). Safe to call on
/// every start-up: scripts already in the journal are skipped. On PostgreSQL a session-level advisory lock
/// serialises concurrent migrators (several replicas starting at once), and a missing database is created.
/// </summary>
public sealed partial class DatabaseMigrator(PersistenceOptions options, ILogger<DatabaseMigrator> logger)
{
    // Any constant works as long as every version of the gateway uses the same one ("OneMcpDb" in ASCII).
    internal const long AdvisoryLockKey = 0x4F6E654D63704462;

    private const string ScriptsNamespace = "OneMcp.Infrastructure.Persistence.Migrations.";

    /// <summary>Brings the schema up to date; returns the names of the scripts it applied (empty when none were due).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = options.Dialect == SqlDialect.Postgres
            ? await MigratePostgresAsync(options.ConnectionString!, cancellationToken)
            : await MigrateSqliteAsync(options.SqliteDatabasePath, cancellationToken);
        LogMigrated(logger, options.Dialect, applied.Count);
        return applied;
    }

    /// <summary>The names of every migration script of an engine, in the order they apply.</summary>
    public static IReadOnlyList<string> ScriptNames(SqlDialect dialect) => [.. LoadScripts(dialect).Select(s => s.Name)];

    private async Task<IReadOnlyList<string>> MigrateSqliteAsync(string databasePath, CancellationToken cancellationToken)
    {
        SqliteDatabaseFile.Prepare(databasePath);
        var connectionString = SqliteConnectionFactory.BuildConnectionString(databasePath);

        // Two processes on one file (the gateway and `onemcp migrate`) take turns, like replicas on PostgreSQL.
        await using var fileLock = await AcquireFileLockAsync(databasePath + ".migration-lock", cancellationToken);

        // journal_mode is persistent in the file and cannot change inside a transaction: set it once here.
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);

            // SQLite opens a file it may not write read-only without a word, and every write would then fail.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw NotWritable(databasePath, "it can only be read");
            }

            await using var timeout = connection.CreateCommand();
            timeout.CommandText = "PRAGMA busy_timeout=5000";
            await timeout.ExecuteNonQueryAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL";
            string? mode;
            try
            {
                mode = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_CORRUPT)
            {
                // The first statement that reads the file: SQLite's own words name no file and say nothing to do.
                throw new DatabaseMigrationException(
                    $"the database file {databasePath} is damaged or is not a SQLite database ({e.Message}). It was left as it " +
                    "is: restore it from a backup, or move it aside to start with a new, empty database.", e);
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_READONLY or SQLitePCL.raw.SQLITE_CANTOPEN)
            {
                // The file opened, but its journal (the -wal and -shm files next to it) cannot be written or created.
                throw NotWritable(databasePath, e.Message, e);
            }

            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new DatabaseMigrationException($"SQLite refused WAL mode (journal_mode is '{mode}'); is the data directory on a network file system?");
            }

            if (await IsCurrentAsync(connection, SqlDialect.Sqlite, cancellationToken))
            {
                return [];
            }
        }

        var builder = DeployChanges.To.SqliteDatabase(connectionString);
        return await RunAsync(builder, SqlDialect.Sqlite, cancellationToken);
    }

    private static DatabaseMigrationException NotWritable(string databasePath, string reason, Exception? inner = null) =>
        new($"the database file {databasePath} cannot be written ({reason}). The gateway needs to write it and to create " +
            $"files next to it in {Path.GetDirectoryName(databasePath)}: give the user the gateway runs as write access to both " +
            "(check their permissions, a read-only mount or an immutable attribute), then start it again.", inner);

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                // The file stays: deleting a lock file on release lets a waiter lock an unlinked copy.
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                return new FileStream(path, options);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private async Task<IReadOnlyList<string>> MigratePostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        var creation = await PostgresDatabaseCreator.EnsureExistsAsync(connectionString, cancellationToken);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (creation == PostgresDatabaseCreation.Created)
        {
            LogDatabaseCreated(logger, database);
        }
        else if (creation == PostgresDatabaseCreation.CreatedConcurrently)
        {
            LogDatabaseCreatedByAnother(logger, database);
        }

        // Session-level advisory locks live on one physical connection: never take one on a pooled connection,
        // whose Dispose would return it to the pool still locked.
        var lockConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "onemcp-migrator" }.ConnectionString;
        await using var lockConnection = new NpgsqlConnection(lockConnectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            command.Parameters.AddWithValue("key", AdvisoryLockKey);
            command.CommandTimeout = 0; // wait as long as another replica migrates; cancellation still applies
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync(cancellationToken);
                if (await IsCurrentAsync(connection, SqlDialect.Postgres, cancellationToken))
                {
                    return [];
                }
            }

            var builder = DeployChanges.To.PostgresqlDatabase(connectionString);
            return await RunAsync(builder, SqlDialect.Postgres, cancellationToken);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<IReadOnlyList<string>> RunAsync(UpgradeEngineBuilder builder, SqlDialect dialect, CancellationToken cancellationToken)
    {
        var upgrader = builder
            .WithScripts(LoadScripts(dialect))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .LogTo(new UpgradeLog(logger))
            .Build();

        // DbUp is synchronous; keep it off the caller's thread (start-up, the CLI).
        var result = await Task.Run(upgrader.PerformUpgrade, cancellationToken);
        if (!result.Successful)
        {
            throw new DatabaseMigrationException($"Migration script '{result.ErrorScript?.Name}' failed: {result.Error?.Message}", result.Error);
        }

        return [.. result.Scripts.Select(s => s.Name)];
    }

    /// <summary>
    /// Whether the journal already holds every script: one query, so that a restart on a current schema does not run
    /// the migration engine at all (DbUp would read the same journal and apply nothing). Called under the migration
    /// lock; a database without a journal yet is not current.
    /// </summary>
    internal static async Task<bool> IsCurrentAsync(DbConnection connection, SqlDialect dialect, CancellationToken cancellationToken)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ScriptName FROM SchemaVersions"; // DbUp's journal (unquoted: schemaversions on PostgreSQL)
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }
        catch (DbException)
        {
            // No journal yet (a new database): the migration engine creates it.
            return false;
        }

        return LoadScripts(dialect).TrueForAll(script => applied.Contains(script.Name));
    }

    // Scripts are named by file name only (e.g. 0001_aggregates.sql), so renaming a namespace or folder never
    // makes the journal forget what ran. Internal for tests that build a database as an older gateway left it.
    internal static List<SqlScript> LoadScripts(SqlDialect dialect)
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        var prefix = ScriptsNamespace + dialect + ".";
        var scripts = new List<SqlScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            scripts.Add(new SqlScript(resource[prefix.Length..], Read(assembly, resource)));
        }

        scripts.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return scripts;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the PostgreSQL database {Database}")]
    private static partial void LogDatabaseCreated(ILogger logger, string? database);

    [LoggerMessage(Level = LogLevel.Information, Message = "The PostgreSQL database {Database} was created by another gateway starting at the same moment")]
    private static partial void LogDatabaseCreatedByAnother(ILogger logger, string? database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date ({Dialect}); {Count} migration script(s) applied.")]
    private static partial void LogMigrated(ILogger logger, SqlDialect dialect, int count);

    // DbUp's chatter ("Checking whether journal table exists", ...) goes to Debug; applying a script is worth Information.
    private sealed class UpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => Write(LogLevel.Trace, null, format, args);

        public void LogDebug(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);

        public void LogInformation(string format, params object[] args) =>
            Write(format.StartsWith("Executing", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Debug, null, format, args);

        public void LogWarning(string format, params object[] args) => Write(LogLevel.Warning, null, format, args);

        public void LogError(string format, params object[] args) => Write(LogLevel.Error, null, format, args);

        public void LogError(Exception ex, string format, params object[] args) => Write(LogLevel.Error, ex, format, args);

        private void Write(LogLevel level, Exception? exception, string format, object[] args)
        {
            if (!logger.IsEnabled(level))
            {
                return;
            }

            var message = args.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);
#pragma warning disable CA2254 // DbUp hands over preformatted text
            logger.Log(level, exception, "DbUp: {Message}", message);
#pragma warning restore CA2254
        }
    }
}
