using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>
/// A <see cref="BackendTokenSource"/> over a throw-away SQLite file holding one per-user backend, so a test can store and
/// revoke a user's own OAuth tokens there and see what the source hands out.
/// </summary>
internal sealed class SqliteUserTokens : IAsyncDisposable
{
    private static readonly BackendOAuthClientRegistration Client = new(
        "https://as.example.test", new Uri("https://as.example.test/authorize"), new Uri("https://as.example.test/token"),
        new Uri("https://gateway.example.test/oauth/callback"), "client-1", null, "https://svc.example.test/mcp", Registered: true);

    private readonly string _directory;
    private readonly SqliteConnectionFactory _factory;
    private readonly HoldingConnections _connections;
    private readonly UserConnectionStore _users;
    private readonly HttpClient _http = new();
    private readonly ServerName _backend;
    private readonly TimeProvider _time;

    private SqliteUserTokens(string directory, SqliteConnectionFactory factory, ServerName backend, TimeProvider time)
    {
        _directory = directory;
        _factory = factory;
        _backend = backend;
        _time = time;
        _connections = new HoldingConnections(factory);
        var keys = new EphemeralDataProtectionProvider();
        _users = new UserConnectionStore(factory, keys, time);
        Source = new BackendTokenSource(
            new BackendCredentialStore(_connections, keys, time), new UserConnectionStore(_connections, keys, time), new BackendOAuthHttp(_http), time,
            NullLogger<BackendTokenSource>.Instance);
    }

    public BackendTokenSource Source { get; }

    /// <summary>A migrated store holding <paramref name="definition"/>, a per-user backend.</summary>
    public static async Task<SqliteUserTokens> CreateAsync(BackendSettings definition, TimeProvider time)
    {
        var directory = Path.Combine(Path.GetTempPath(), "onemcp-unit-" + Guid.NewGuid().ToString("N")[..12]);
        var options = new PersistenceOptions { DataDirectory = directory };
        await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var factory = new SqliteConnectionFactory(options);
        await new BackendServiceRepository(factory, new EphemeralDataProtectionProvider())
            .AddAsync(BackendService.Register(definition, BackendOrigin.Api, time.GetUtcNow()), CancellationToken.None);
        return new SqliteUserTokens(directory, factory, definition.Name, time);
    }

    /// <summary>Stores <paramref name="accessToken"/> (valid for an hour) as the owner's own tokens for the backend.</summary>
    public async Task StoreAsync(ConnectionOwner owner, string accessToken)
    {
        var now = _time.GetUtcNow();
        var tokens = new BackendTokenSet(accessToken, accessToken + "-refresh", now, now.AddHours(1), ["mcp:read"], Client);
        (await _users.UpdateAsync(_backend, owner, c => c with { Tokens = tokens, ConnectedAt = now }, CancellationToken.None)).ShouldBeTrue();
    }

    /// <summary>Deletes the owner's connection, as revoking it does.</summary>
    public async Task RevokeAsync(ConnectionOwner owner) =>
        (await _users.DeleteAsync(_backend, owner, CancellationToken.None)).ShouldBeTrue();

    /// <summary>
    /// The source's next read of the store is held once it has read (its connection is not closed yet): it completes
    /// <paramref name="read"/>, then waits for <paramref name="until"/>.
    /// </summary>
    public void HoldNextRead(TaskCompletionSource read, Task until) => _connections.HoldNext(read, until);

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(SqliteConnectionFactory.BuildConnectionString(_factory.DatabasePath)));
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Connections of <paramref name="inner"/>; the next one opened after <see cref="HoldNext"/> is held when it is closed.</summary>
internal sealed class HoldingConnections(IDbConnectionFactory inner) : IDbConnectionFactory
{
    private (TaskCompletionSource Reached, Task Until)? _hold;

    public SqlDialect Dialect => inner.Dialect;

    public void HoldNext(TaskCompletionSource reached, Task until) => _hold = (reached, until);

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await inner.OpenAsync(cancellationToken);
        var hold = _hold;
        _hold = null;
        return hold is { } held ? new HeldConnection(connection, held.Reached, held.Until) : connection;
    }

    /// <summary>A connection whose closing waits: whoever used it has what it read and has not gone on with it yet.</summary>
    private sealed class HeldConnection(DbConnection inner, TaskCompletionSource reached, Task until) : DbConnection
    {
        [AllowNull]
        public override string ConnectionString
        {
            get => inner.ConnectionString;
            set => inner.ConnectionString = value;
        }

        public override string Database => inner.Database;

        public override string DataSource => inner.DataSource;

        public override string ServerVersion => inner.ServerVersion;

        public override ConnectionState State => inner.State;

        public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);

        public override void Close() => inner.Close();

        public override void Open() => inner.Open();

        public override async ValueTask DisposeAsync()
        {
            reached.TrySetResult();
            await until;
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);

        protected override DbCommand CreateDbCommand() => inner.CreateCommand();
    }
}
