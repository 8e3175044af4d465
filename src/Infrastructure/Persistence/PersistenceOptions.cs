namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Where the gateway keeps its state: a PostgreSQL database when <see cref="ConnectionString"/> is set,
/// else the SQLite file <c>onemcp.db</c> under <see cref="DataDirectory"/>.
/// </summary>
public sealed record PersistenceOptions
{
    public const string SqliteFileName = "onemcp.db";

    /// <summary>An Npgsql connection string; null or blank selects the embedded SQLite database. Holds a password: never log it.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The directory of the SQLite database (created when missing); the caller decides its default.</summary>
    public required string DataDirectory { get; init; }

    public SqlDialect Dialect => string.IsNullOrWhiteSpace(ConnectionString) ? SqlDialect.Sqlite : SqlDialect.Postgres;

    public string SqliteDatabasePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFileName));

    // The generated record ToString would print the connection string and its password.
    public override string ToString() =>
        Dialect == SqlDialect.Postgres ? "PersistenceOptions { Dialect = Postgres }" : $"PersistenceOptions {{ Dialect = Sqlite, Path = {SqliteDatabasePath} }}";
}
