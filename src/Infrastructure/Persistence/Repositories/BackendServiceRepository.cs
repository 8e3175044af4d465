using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>
/// Backends in the <c>backends</c> table; the definition is one JSON column (<see cref="BackendSettingsDocument"/>)
/// whose secret values are encrypted with Data Protection.
/// </summary>
public sealed class BackendServiceRepository(IDbConnectionFactory connections, IDataProtectionProvider protection) : IBackendServiceRepository
{
    /// <summary>The Data Protection purpose of backend secrets: changing it makes every stored secret unreadable.</summary>
    public const string SecretsPurpose = "OneMcp.BackendSettings.Secrets.v1";

    private const string Aggregate = "backend";
    private const string Columns = "id, name, origin, enabled, settings, version, created_at, updated_at";

    private readonly SqlDialect _dialect = connections.Dialect;
    private readonly IDataProtector _protector = protection.CreateProtector(SecretsPurpose);

    public async Task<IReadOnlyList<BackendService>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await ReadRowsAsync(connection, $"SELECT {Columns} FROM backends ORDER BY {DbValues.OrderByBinary(_dialect, "name")}", name: null, cancellationToken);
        return [.. rows.Select(ToAggregate)];
    }

    public async Task<BackendService?> FindByNameAsync(ServerName name, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await ReadRowsAsync(connection, $"SELECT {Columns} FROM backends WHERE name = @Name", name.Value, cancellationToken);
        return rows.Count == 0 ? null : ToAggregate(rows[0]);
    }

    public async Task AddAsync(BackendService backend, CancellationToken cancellationToken)
    {
        var parameters = InsertParameters(backend);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await InsertAsync(connection, transaction: null, backend, parameters, cancellationToken);
        backend.MarkSaved();
    }

    public async Task UpdateAsync(BackendService backend, CancellationToken cancellationToken)
    {
        var parameters = UpdateParameters(backend);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await UpdateRowAsync(connection, transaction: null, backend, parameters, cancellationToken);
        backend.MarkSaved();
    }

    public async Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await DeleteAsync(connection, transaction, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task SaveChangesAsync(BackendChangeSet changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.IsEmpty)
        {
            // A start or reload that changed nothing opens no connection: no Dapper on the way to listening (ADR 0042).
            return;
        }

        // Encrypted before the transaction begins: the first encryption may create the Data Protection key, which is
        // written to this same database through another connection, and SQLite's transaction holds the write lock.
        var updates = changes.Updated.Select(b => (Backend: b, Parameters: UpdateParameters(b))).ToList();
        var inserts = changes.Added.Select(b => (Backend: b, Parameters: InsertParameters(b))).ToList();
        await using var connection = await connections.OpenAsync(cancellationToken);

        // Disposed without a commit when anything below throws: the transaction rolls back, and no copy is marked saved.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var backend in changes.Removed)
        {
            await DeleteAsync(connection, transaction, backend.Id, cancellationToken);
        }

        foreach (var (backend, parameters) in updates)
        {
            await UpdateRowAsync(connection, transaction, backend, parameters, cancellationToken);
        }

        foreach (var (backend, parameters) in inserts)
        {
            await InsertAsync(connection, transaction, backend, parameters, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var backend in changes.Updated.Concat(changes.Added))
        {
            backend.MarkSaved();
        }
    }

    /// <summary>
    /// Rewrites every stored definition that still holds env values, header values or a client secret in clear
    /// (written before they were encrypted) with those values encrypted; returns how many it rewrote. The version is
    /// left alone (the definition does not change), and a row changed meanwhile is skipped: its writer encrypted it.
    /// </summary>
    public async Task<int> ProtectClearSecretsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await ReadRowsAsync(connection, $"SELECT {Columns} FROM backends", name: null, cancellationToken);
        var rewritten = 0;
        var secureDelete = _dialect != SqlDialect.Sqlite;
        foreach (var row in rows)
        {
            if (!DbValues.FromJson<BackendSettingsDocument>(row.Settings).HasClearSecrets)
            {
                continue;
            }

            if (!secureDelete)
            {
                // SQLite leaves a rewritten row's old bytes in the page's free space: zeroed instead, the clear values go.
                await connection.ExecuteAsync(new CommandDefinition("PRAGMA secure_delete = ON", cancellationToken: cancellationToken));
                secureDelete = true;
            }

            var document = BackendSettingsDocument.Parse(row.Settings, _protector);

            var parameters = new DynamicParameters();
            parameters.AddId(_dialect, "Id", DbValues.ReadId(row.Id));
            parameters.AddInt("Version", DbValues.ReadInt(row.Version));
            parameters.AddText("Settings", BackendSettingsDocument.Serialize(document.ToSettings(row.Name), _protector));
            rewritten += await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE backends SET settings = {DbValues.JsonParam(_dialect, "Settings")} WHERE id = @Id AND version = @Version",
                parameters, cancellationToken: cancellationToken));
        }

        if (rewritten > 0 && _dialect == SqlDialect.Sqlite)
        {
            // ... and the write-ahead log still holds the pages as they were: copied back and emptied.
            await connection.ExecuteAsync(new CommandDefinition("PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken: cancellationToken));
        }

        return rewritten;
    }

    private DynamicParameters InsertParameters(BackendService backend)
    {
        var parameters = Parameters(backend);
        parameters.AddTime(_dialect, "CreatedAt", backend.CreatedAt);
        return parameters;
    }

    private DynamicParameters UpdateParameters(BackendService backend)
    {
        var parameters = Parameters(backend);
        parameters.AddInt("LoadedVersion", backend.LoadedVersion);
        return parameters;
    }

    private async Task InsertAsync(DbConnection connection, DbTransaction? transaction, BackendService backend, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO backends (id, name, origin, enabled, settings, version, created_at, updated_at) " +
                $"VALUES (@Id, @Name, @Origin, @Enabled, {DbValues.JsonParam(_dialect, "Settings")}, @Version, @CreatedAt, @UpdatedAt)",
                parameters, transaction, cancellationToken: cancellationToken));
        }
        catch (Exception ex) when (DbValues.IsUniqueViolation(ex))
        {
            throw new DuplicateNameException(Aggregate, backend.Name.Value);
        }
    }

    private async Task UpdateRowAsync(DbConnection connection, DbTransaction? transaction, BackendService backend, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE backends SET settings = {DbValues.JsonParam(_dialect, "Settings")}, enabled = @Enabled, version = @Version, updated_at = @UpdatedAt " +
            "WHERE id = @Id AND version = @LoadedVersion",
            parameters, transaction, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            throw new ConcurrencyConflictException(Aggregate, backend.Id, backend.Name.Value);
        }
    }

    private async Task<bool> DeleteAsync(DbConnection connection, DbTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", id);

        // Credentials go by ON DELETE CASCADE; requests name the backend rather than reference it, so their
        // pending ones (approvals of a connection that no longer exists) are removed here.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM authorization_requests WHERE kind = 'backend_connection' AND status = 'pending' " +
            "AND backend_name = (SELECT name FROM backends WHERE id = @Id)",
            parameters, transaction, cancellationToken: cancellationToken));
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM backends WHERE id = @Id", parameters, transaction, cancellationToken: cancellationToken));
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
        parameters.AddText("Settings", BackendSettingsDocument.Serialize(backend.Settings, _protector));
        parameters.AddInt("Version", backend.Version);
        parameters.AddTime(_dialect, "UpdatedAt", backend.UpdatedAt);
        return parameters;
    }

    private BackendService ToAggregate(Row row) => BackendService.Restore(
        DbValues.ReadId(row.Id),
        BackendSettingsDocument.Deserialize(row.Name, row.Settings, _protector),
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

    /// <summary>
    /// Reads backend rows with a data reader, not Dapper: the secrets pass and the backend sync read them on the way
    /// to a listening gateway, which does not wait for Dapper's first use (ADR 0042). Columns in the order of
    /// <see cref="Columns"/>.
    /// </summary>
    private static async Task<List<Row>> ReadRowsAsync(DbConnection connection, string sql, string? name, CancellationToken cancellationToken)
    {
        await using var command = name is null
            ? DbCommands.Create(connection, sql)
            : DbCommands.Create(connection, sql, ("@Name", name));
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(
                reader.GetValue(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetValue(3),
                reader.GetString(4),
                reader.GetValue(5),
                reader.GetValue(6),
                reader.GetValue(7)));
        }

        return rows;
    }

    private sealed record Row(object Id, string Name, string Origin, object Enabled, string Settings, object Version, object CreatedAt, object UpdatedAt);
}
