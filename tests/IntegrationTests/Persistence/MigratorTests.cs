using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OneMcp.Infrastructure.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Persistence;

public sealed class SqliteMigratorTests : IDisposable
{
    private readonly string _directory = SqliteDatabaseFixture.NewDirectory();

    private PersistenceOptions Options => new() { DataDirectory = _directory };

    [Fact]
    public async Task Migrate_Twice_AppliesEveryScriptOnceThenNothing()
    {
        var migrator = new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance);

        (await migrator.MigrateAsync(CancellationToken.None)).ShouldBe(DatabaseMigrator.ScriptNames(SqlDialect.Sqlite));
        (await migrator.MigrateAsync(CancellationToken.None)).ShouldBeEmpty();
        (await new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None)).ShouldBeEmpty();

        DatabaseMigrator.ScriptNames(SqlDialect.Sqlite).Count.ShouldBeGreaterThanOrEqualTo(3);
        File.Exists(Path.Combine(_directory, "onemcp.db")).ShouldBeTrue();
    }

    [Fact]
    public async Task IsCurrent_OnlyWhenTheJournalHoldsEveryScript_SoARestartSkipsTheMigrationEngine()
    {
        var fresh = new PersistenceOptions { DataDirectory = Path.Combine(_directory, "fresh") };
        SqliteDatabaseFile.Prepare(fresh.SqliteDatabasePath);
        await using (var empty = new SqliteConnection(SqliteConnectionFactory.BuildConnectionString(fresh.SqliteDatabasePath)))
        {
            await empty.OpenAsync();
            (await DatabaseMigrator.IsCurrentAsync(empty, SqlDialect.Sqlite, CancellationToken.None)).ShouldBeFalse("no journal yet");
        }

        await new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var connection = new SqliteConnection(SqliteConnectionFactory.BuildConnectionString(Options.SqliteDatabasePath));
        await connection.OpenAsync();
        (await DatabaseMigrator.IsCurrentAsync(connection, SqlDialect.Sqlite, CancellationToken.None)).ShouldBeTrue();

        await connection.ExecuteAsync("DELETE FROM SchemaVersions WHERE ScriptName = @Name", new { Name = DatabaseMigrator.ScriptNames(SqlDialect.Sqlite)[^1] });
        (await DatabaseMigrator.IsCurrentAsync(connection, SqlDialect.Sqlite, CancellationToken.None)).ShouldBeFalse("the last script is not journaled");
    }

    [Fact]
    public async Task TwoMigratorsAtOnce_OnAFreshFile_BothSucceedAndApplyEachScriptOnce()
    {
        var scripts = DatabaseMigrator.ScriptNames(SqlDialect.Sqlite).ToList();
        for (var round = 0; round < 3; round++)
        {
            var options = new PersistenceOptions { DataDirectory = Path.Combine(_directory, "race-" + round) };
            using var start = new ManualResetEventSlim();
            var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
            })).ToArray();
            start.Set();
            var applied = await Task.WhenAll(runs);

            applied.SelectMany(a => a).Order(StringComparer.Ordinal).ToList().ShouldBe(scripts, $"round {round}");
            SqliteDatabaseFixture.DeleteDirectory(options.DataDirectory);
        }
    }

    [Fact]
    public async Task Migrate_WhenTheAuditLogAlreadyHasRows_AddsTheTargetColumn_RowsKeepTheirValuesWithNoTarget()
    {
        var (applied, rows) = await OlderDatabase.MigrateAuditRowsToTargetAsync(Options, new SqliteConnectionFactory(Options));

        applied[0].ShouldBe(OlderDatabase.AuditTargetScript);
        var row = rows.ShouldHaveSingleItem().Entry;
        row.ShouldBe(OlderDatabase.AuditRowBeforeTarget);
        row.Target.ShouldBeNull();
    }

    [Fact]
    public async Task FactoryConnections_RunInWalWithSynchronousFullAndForeignKeys()
    {
        await new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var factory = new SqliteConnectionFactory(Options);

        await using var connection = await factory.OpenAsync(CancellationToken.None);
        (await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode")).ShouldBe("wal");
        (await connection.ExecuteScalarAsync<long>("PRAGMA synchronous")).ShouldBe(2L);
        (await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys")).ShouldBe(1L);
        (await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout")).ShouldBe(5000L);
    }

    [Fact]
    public void DatabaseFile_IsReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _ = new SqliteConnectionFactory(Options);

        File.GetUnixFileMode(Path.Combine(_directory, "onemcp.db")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task Migrate_WhenTheFileIsNotASqliteDatabase_NamesTheFileAndLeavesItAsItIs()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, PersistenceOptions.SqliteFileName);
        byte[] garbage = [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 % 251))];
        await File.WriteAllBytesAsync(path, garbage);

        var error = await Should.ThrowAsync<DatabaseMigrationException>(
            new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));

        error.Message.ShouldStartWith($"the database file {path} is damaged or is not a SQLite database (");
        error.Message.ShouldContain("restore it from a backup");
        (await File.ReadAllBytesAsync(path)).ShouldBe(garbage);
    }

    [Fact]
    public async Task Migrate_WhenTheFileCannotBeWritten_NamesTheFileAndWhatToDo()
    {
        await new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var path = Path.Combine(_directory, PersistenceOptions.SqliteFileName);
        // As a gateway starting anew finds it: no connection opened before it became read-only.
        SqliteConnection.ClearAllPools();
        var before = await File.ReadAllBytesAsync(path);
        using var readOnly = ImmutableFile.Set(path);

        var error = await Should.ThrowAsync<DatabaseMigrationException>(
            new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));

        error.Message.ShouldStartWith($"the database file {path} cannot be written (");
        error.Message.ShouldContain($"files next to it in {_directory}: give the user the gateway runs as write access");
        (await File.ReadAllBytesAsync(path)).ShouldBe(before);
    }

    [Fact]
    public async Task Migrate_WhenItsFolderCannotBeWritten_NamesTheFileAndWhatToDo()
    {
        await new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var path = Path.Combine(_directory, PersistenceOptions.SqliteFileName);
        SqliteConnection.ClearAllPools();
        using var readOnly = ImmutableFile.Set(_directory);

        var error = await Should.ThrowAsync<DatabaseMigrationException>(
            new DatabaseMigrator(Options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));

        error.Message.ShouldStartWith($"the database file {path} cannot be written (");
    }

    [Fact]
    public void Options_ToString_NeverShowsTheConnectionString()
    {
        var options = new PersistenceOptions { ConnectionString = "Host=db;Username=u;Password=hunter2", DataDirectory = "/x" };

        options.ToString().ShouldNotContain("hunter2");
        options.Dialect.ShouldBe(SqlDialect.Postgres);
        Options.Dialect.ShouldBe(SqlDialect.Sqlite);
    }

    public void Dispose() => SqliteDatabaseFixture.DeleteDirectory(_directory);
}

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresMigratorTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Migrate_Twice_AppliesEveryScriptOnceThenNothing()
    {
        var options = Options(await postgres.CreateDatabaseAsync());
        var migrator = new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance);

        (await migrator.MigrateAsync(CancellationToken.None)).ShouldBe(DatabaseMigrator.ScriptNames(SqlDialect.Postgres));
        (await migrator.MigrateAsync(CancellationToken.None)).ShouldBeEmpty();
        (await JournalAsync(options)).ShouldBe(DatabaseMigrator.ScriptNames(SqlDialect.Postgres));
    }

    [Fact]
    public async Task IsCurrent_OnlyWhenTheJournalHoldsEveryScript()
    {
        var options = Options(await postgres.CreateDatabaseAsync());
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync();
        (await DatabaseMigrator.IsCurrentAsync(connection, SqlDialect.Postgres, CancellationToken.None)).ShouldBeFalse("no journal yet");

        await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        (await DatabaseMigrator.IsCurrentAsync(connection, SqlDialect.Postgres, CancellationToken.None)).ShouldBeTrue();

        await connection.ExecuteAsync("DELETE FROM schemaversions WHERE scriptname = @Name", new { Name = DatabaseMigrator.ScriptNames(SqlDialect.Postgres)[^1] });
        (await DatabaseMigrator.IsCurrentAsync(connection, SqlDialect.Postgres, CancellationToken.None)).ShouldBeFalse("the last script is not journaled");
    }

    [Fact]
    public async Task Migrate_CreatesAMissingDatabase()
    {
        var options = Options(postgres.NewDatabaseName());

        (await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None)).Count.ShouldBeGreaterThan(0);
        (await JournalAsync(options)).ShouldBe(DatabaseMigrator.ScriptNames(SqlDialect.Postgres));
    }

    [Fact]
    public async Task TwoMigratorsAtOnce_OnAFreshDatabase_BothSucceedAndApplyEachScriptOnce()
    {
        var scripts = DatabaseMigrator.ScriptNames(SqlDialect.Postgres);
        for (var round = 0; round < 5; round++)
        {
            // Not even created: the two also race to create the database.
            var options = Options(postgres.NewDatabaseName());
            using var start = new ManualResetEventSlim();
            var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
            })).ToArray();
            start.Set();
            var applied = await Task.WhenAll(runs);

            applied.SelectMany(a => a).Order(StringComparer.Ordinal).ToList().ShouldBe(scripts, $"round {round}");
            (await JournalAsync(options)).ShouldBe(scripts.ToList(), $"round {round}");
        }
    }

    [Fact]
    public async Task Migrate_WhenTheAuditLogAlreadyHasRows_AddsTheTargetColumn_RowsKeepTheirValuesWithNoTarget()
    {
        var options = Options(await postgres.CreateDatabaseAsync());
        await using var factory = new NpgsqlConnectionFactory(options);

        var (applied, rows) = await OlderDatabase.MigrateAuditRowsToTargetAsync(options, factory);

        applied[0].ShouldBe(OlderDatabase.AuditTargetScript);
        var row = rows.ShouldHaveSingleItem().Entry;
        row.ShouldBe(OlderDatabase.AuditRowBeforeTarget);
        row.Target.ShouldBeNull();
    }

    [Fact]
    public async Task Migrate_ReleasesTheAdvisoryLock()
    {
        var options = Options(await postgres.CreateDatabaseAsync());
        await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync();
        (await connection.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@Key)", new { Key = DatabaseMigrator.AdvisoryLockKey })).ShouldBeTrue();
        await connection.ExecuteAsync("SELECT pg_advisory_unlock(@Key)", new { Key = DatabaseMigrator.AdvisoryLockKey });
    }

    private PersistenceOptions Options(string database) =>
        new() { ConnectionString = postgres.ConnectionStringFor(database), DataDirectory = Path.GetTempPath() };

    private static async Task<List<string>> JournalAsync(PersistenceOptions options)
    {
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync();
        return [.. await connection.QueryAsync<string>("SELECT scriptname FROM schemaversions ORDER BY scriptname")];
    }
}
