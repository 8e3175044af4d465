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
        var keys = new EphemeralDataProtectionProvider();
        _users = new UserConnectionStore(factory, keys, time);
        Source = new BackendTokenSource(
            new BackendCredentialStore(factory, keys, time), _users, new BackendOAuthHttp(_http), time, NullLogger<BackendTokenSource>.Instance);
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

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(SqliteConnectionFactory.BuildConnectionString(_factory.DatabasePath)));
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
