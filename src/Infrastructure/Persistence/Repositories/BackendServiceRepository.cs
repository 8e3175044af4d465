using Dapper;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>Backends in the <c>backends</c> table; the definition is one JSON column (<see cref="BackendSettingsDocument"/>).</summary>
public sealed class BackendServiceRepository(IDbConnectionFactory connections) : IBackendServiceRepository
{
    private const string Aggregate = "backend";
    private const string Columns = "id AS Id, name AS Name, origin AS Origin, enabled AS Enabled, settings AS Settings, version AS Version, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private readonly SqlDialect _dialect = connections.Dialect;

    public async Task<IReadOnlyList<BackendService>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM backends ORDER BY {DbValues.OrderByBinary(_dialect, "name")}", cancellationToken: cancellationToken));
        return [.. rows.Select(ToAggregate)];
    }

    public async Task<BackendService?> FindByNameAsync(ServerName name, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters();
        parameters.AddText("Name", name.Value);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM backends WHERE name = @Name", parameters, cancellationToken: cancellationToken));
        return row is null ? null : ToAggregate(row);
    }

    public async Task AddAsync(BackendService backend, CancellationToken cancellationToken)
    {
        var parameters = Parameters(backend);
        parameters.AddTime(_dialect, "CreatedAt", backend.CreatedAt);
        await using var connection = await connections.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO backends (id, name, origin, enabled, settings, version, created_at, updated_at) " +
                $"VALUES (@Id, @Name, @Origin, @Enabled, {DbValues.JsonParam(_dialect, "Settings")}, @Version, @CreatedAt, @UpdatedAt)",
                parameters, cancellationToken: cancellationToken));
        }
        catch (Exception ex) when (DbValues.IsUniqueViolation(ex))
        {
            throw new DuplicateNameException(Aggregate, backend.Name.Value);
        }
    }

    public async Task UpdateAsync(BackendService backend, int loadedVersion, CancellationToken cancellationToken)
    {
        var parameters = Parameters(backend);
        parameters.AddInt("LoadedVersion", loadedVersion);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE backends SET settings = {DbValues.JsonParam(_dialect, "Settings")}, enabled = @Enabled, version = @Version, updated_at = @UpdatedAt " +
            "WHERE id = @Id AND version = @LoadedVersion",
            parameters, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            throw new ConcurrencyConflictException(Aggregate, backend.Id);
        }
    }

    public async Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", id);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Credentials go by ON DELETE CASCADE; requests name the backend rather than reference it, so their
        // pending ones (approvals of a connection that no longer exists) are removed here.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM authorization_requests WHERE kind = 'backend_connection' AND status = 'pending' " +
            "AND backend_name = (SELECT name FROM backends WHERE id = @Id)",
            parameters, transaction, cancellationToken: cancellationToken));
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM backends WHERE id = @Id", parameters, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return deleted > 0;
    }

    private DynamicParameters Parameters(BackendService backend)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", backend.Id);
        parameters.AddText("Name", backend.Name.Value);
        parameters.AddText("Origin", backend.Origin switch
        {
            BackendOrigin.Config => "config",
            BackendOrigin.Api => "api",
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend.Origin, "Unknown origin."),
        });
        parameters.AddBool("Enabled", backend.Enabled);
        parameters.AddText("Settings", BackendSettingsDocument.Serialize(backend.Settings));
        parameters.AddInt("Version", backend.Version);
        parameters.AddTime(_dialect, "UpdatedAt", backend.UpdatedAt);
        return parameters;
    }

    private static BackendService ToAggregate(Row row) => BackendService.Restore(
        DbValues.ReadId(row.Id),
        BackendSettingsDocument.Deserialize(row.Name, row.Settings),
        row.Origin switch
        {
            "config" => BackendOrigin.Config,
            "api" => BackendOrigin.Api,
            _ => throw new InvalidOperationException($"Stored backend '{row.Name}' has an unknown origin '{row.Origin}'."),
        },
        DbValues.ReadBool(row.Enabled),
        DbValues.ReadInt(row.Version),
        DbValues.ReadTime(row.CreatedAt),
        DbValues.ReadTime(row.UpdatedAt));

    private sealed class Row
    {
        public object Id { get; set; } = null!;

        public string Name { get; set; } = "";

        public string Origin { get; set; } = "";

        public object Enabled { get; set; } = null!;

        public string Settings { get; set; } = "";

        public object Version { get; set; } = null!;

        public object CreatedAt { get; set; } = null!;

        public object UpdatedAt { get; set; } = null!;
    }
}
