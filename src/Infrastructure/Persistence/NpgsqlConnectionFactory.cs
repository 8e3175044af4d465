using System.Data.Common;
using Npgsql;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>Connections to PostgreSQL from one shared, pooled <see cref="NpgsqlDataSource"/>.</summary>
public sealed class NpgsqlConnectionFactory : IDbConnectionFactory, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public NpgsqlConnectionFactory(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(WithApplicationName(connectionString));
    }

    public NpgsqlConnectionFactory(PersistenceOptions options)
        : this(options.ConnectionString ?? throw new ArgumentException("PostgreSQL needs a connection string.", nameof(options)))
    {
    }

    public SqlDialect Dialect => SqlDialect.Postgres;

    internal NpgsqlDataSource DataSource => _dataSource;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();

    internal static string WithApplicationName(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "onemcp";
        }

        return builder.ConnectionString;
    }
}
