namespace OneMcp.Infrastructure.Persistence;

/// <summary>The SQL engine behind an <see cref="IDbConnectionFactory"/>; repositories pick their SQL and conversions by it.</summary>
public enum SqlDialect
{
    /// <summary>Embedded SQLite file (the zero set-up default).</summary>
    Sqlite,
    /// <summary>PostgreSQL (team deployments, several replicas).</summary>
    Postgres,
}
