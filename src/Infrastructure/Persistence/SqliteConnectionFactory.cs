using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Connections to the embedded SQLite file. Every connection gets foreign keys on (SQLite's default is off),
/// a busy timeout (one writer at a time; others wait instead of failing) and <c>synchronous=FULL</c>, which in
/// WAL mode makes every commit durable across a crash or power cut. WAL itself is persistent in the file and is
/// switched on by <see cref="DatabaseMigrator"/>.
/// </summary>
public sealed class SqliteConnectionFactory : IDbConnectionFactory
{
    internal const string ConnectionPragmas = "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA synchronous=FULL;";

    public SqliteConnectionFactory(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        SqliteDatabaseFile.Prepare(DatabasePath);
        ConnectionString = BuildConnectionString(DatabasePath);
    }

    public SqliteConnectionFactory(PersistenceOptions options)
        : this(options.SqliteDatabasePath)
    {
    }

    public SqlDialect Dialect => SqlDialect.Sqlite;

    public string DatabasePath { get; }

    internal string ConnectionString { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = ConnectionPragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    internal static string BuildConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        ForeignKeys = true,
        DefaultTimeout = 30,
    }.ToString();
}
