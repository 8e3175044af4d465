using Dapper;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>A migrated database of one engine, private to one test class.</summary>
public sealed class TestDatabase(PersistenceOptions options, IDbConnectionFactory factory)
{
    // Children before parents, so the delete order never trips a foreign key.
    private static readonly string[] Tables =
    [
        "openiddict_tokens", "openiddict_authorizations", "openiddict_applications", "openiddict_scopes",
        "backend_credentials", "user_connections", "authorization_requests", "backends", "tag_scopes", "presets", "users", "data_protection_keys", "audit_log", "session_owners", "replicas",
    ];

    public PersistenceOptions Options { get; } = options;

    public IDbConnectionFactory Factory { get; } = factory;

    public SqlDialect Dialect => Factory.Dialect;

    /// <summary>Empties every table: tests of a class share the database but each starts from nothing.</summary>
    public async Task ResetAsync()
    {
        await using var connection = await Factory.OpenAsync(CancellationToken.None);
        foreach (var table in Tables)
        {
            await connection.ExecuteAsync($"DELETE FROM {table}");
        }
    }

    public async Task<int> ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = await Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteAsync(sql, parameters);
    }

    public async Task<long> CountAsync(string table, string where = "1 = 1", object? parameters = null)
    {
        await using var connection = await Factory.OpenAsync(CancellationToken.None);
        var value = await connection.ExecuteScalarAsync<object>($"SELECT COUNT(*) FROM {table} WHERE {where}", parameters);
        return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Where a test class gets its database from (a SQLite file or a PostgreSQL database).</summary>
public interface ITestDatabaseSource
{
    Task<TestDatabase> GetAsync();
}
