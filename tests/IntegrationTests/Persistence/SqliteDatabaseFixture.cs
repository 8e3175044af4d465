using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>A fresh, migrated SQLite file in a temp directory per test class (use as an <c>IClassFixture</c>).</summary>
public sealed class SqliteDatabaseFixture : ITestDatabaseSource, IAsyncLifetime
{
    private TestDatabase? _database;

    public string Directory { get; } = NewDirectory();

    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), "onemcp-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    public Task<TestDatabase> GetAsync() => Task.FromResult(_database ?? throw new InvalidOperationException("The fixture is not initialised."));

    public async Task InitializeAsync()
    {
        var options = new PersistenceOptions { DataDirectory = Directory };
        await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _database = new TestDatabase(options, new SqliteConnectionFactory(options));
    }

    public Task DisposeAsync()
    {
        DeleteDirectory(Directory);
        return Task.CompletedTask;
    }

    /// <summary>Closes pooled connections to the files of a directory, then deletes it.</summary>
    public static void DeleteDirectory(string directory)
    {
        var path = Path.Combine(directory, PersistenceOptions.SqliteFileName);
        using (var connection = new SqliteConnection(SqliteConnectionFactory.BuildConnectionString(Path.GetFullPath(path))))
        {
            SqliteConnection.ClearPool(connection);
        }

        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
