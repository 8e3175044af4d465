using System.Diagnostics.CodeAnalysis;
using Npgsql;

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

    /// <summary>
    /// Checks that a PostgreSQL connection string can be parsed and is complete enough for Npgsql to open a
    /// connection with (a Host above all). The error names what is wrong without repeating any value, since a
    /// mistyped string may split a password.
    /// </summary>
    public static bool TryValidateConnectionString(string connectionString, [NotNullWhen(false)] out string? error)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host))
            {
                error = "the PostgreSQL connection string names no Host (e.g. Host=db.example.com;Database=onemcp;Username=onemcp)";
                return false;
            }

            // The checks Npgsql makes only when a connection is created (conflicting settings, say), made here so that
            // the mistake is one line at the start instead of an exception when the database is first used.
            using var connection = new NpgsqlConnection(connectionString);
            error = null;
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException or NotSupportedException)
        {
            var keyword = (e as ArgumentException)?.ParamName;
            error = keyword is { Length: > 0 and <= 32 } && keyword.All(c => char.IsAsciiLetter(c) || c == ' ')
                ? $"the PostgreSQL connection string has an unknown keyword or a bad value for '{keyword}'"
                : "the PostgreSQL connection string cannot be parsed (expected Key=Value pairs separated by ';', with values containing ';' quoted)";
            return false;
        }
    }
}
