using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>Every test class that needs PostgreSQL joins this collection, so one server serves the whole run.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollectionDefinition : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}

/// <summary>
/// The shared PostgreSQL server (see <see cref="PostgresServer"/>) and a fresh database per test class
/// (<c>CREATE DATABASE t_&lt;guid&gt;</c>), migrated on first use.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TestDatabase>>> _databases = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> _created = [];
    private readonly ConcurrentBag<NpgsqlConnectionFactory> _factories = [];
    private PostgresServer? _server;

    public string Description => Server.Description;

    private PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture is not initialised.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    /// <summary>The migrated database of a test class (created on first use).</summary>
    public ITestDatabaseSource DatabaseFor<TTestClass>() => new Source(this, typeof(TTestClass).FullName!);

    /// <summary>A new database name, dropped at the end of the run (the database is not created).</summary>
    public string NewDatabaseName()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        _created.Add(name);
        return name;
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(Server.AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>Creates an empty database and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = NewDatabaseName();
        await using var connection = new NpgsqlConnection(Server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public async Task DisposeAsync()
    {
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
        }

        if (_server is null)
        {
            return;
        }

        if (!_server.IsThrowAway)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_server.AdminConnectionString);
            await connection.OpenAsync();
            foreach (var name in _created)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
        }

        NpgsqlConnection.ClearAllPools();
        await _server.DisposeAsync();
    }

    private async Task<TestDatabase> CreateMigratedAsync()
    {
        var name = await CreateDatabaseAsync();
        var options = new PersistenceOptions { ConnectionString = ConnectionStringFor(name), DataDirectory = Path.GetTempPath() };
        await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var factory = new NpgsqlConnectionFactory(options);
        _factories.Add(factory);
        return new TestDatabase(options, factory);
    }

    private sealed class Source(PostgresFixture fixture, string key) : ITestDatabaseSource
    {
        public Task<TestDatabase> GetAsync() =>
            fixture._databases.GetOrAdd(key, _ => new Lazy<Task<TestDatabase>>(fixture.CreateMigratedAsync)).Value;
    }
}
