using Npgsql;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>Creates the configured PostgreSQL database when it does not exist, tolerating a concurrent creator.</summary>
internal static class PostgresDatabaseCreator
{
    public static async Task<PostgresDatabaseCreation> EnsureExistsAsync(string connectionString, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        try
        {
            await using var probe = new NpgsqlConnection(target.ConnectionString);
            await probe.OpenAsync(cancellationToken);
            return PostgresDatabaseCreation.Existed;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            // 3D000: the database does not exist yet.
            return await CreateAsync(target, cancellationToken);
        }
    }

    private static async Task<PostgresDatabaseCreation> CreateAsync(NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        var database = target.Database ?? throw new DatabaseMigrationException("The PostgreSQL connection string names no database.");
        var maintenance = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres" };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        try
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(database)}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            return PostgresDatabaseCreation.Created;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // 42P04 / 23505: another gateway created it between our check and our CREATE.
            return PostgresDatabaseCreation.CreatedConcurrently;
        }
    }

    internal static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
