using Dapper;
using OneMcp.Domain.Common;
using OneMcp.Domain.Presets;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>Presets in the <c>presets</c> table; names are unique and compared exactly.</summary>
public sealed class PresetRepository(IDbConnectionFactory connections) : IPresetRepository
{
    private const string Aggregate = "preset";
    private const string Columns = "id AS Id, name AS Name, expression AS Expression, description AS Description, version AS Version, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private readonly SqlDialect _dialect = connections.Dialect;

    public async Task<IReadOnlyList<Preset>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM presets ORDER BY {DbValues.OrderByBinary(_dialect, "name")}", cancellationToken: cancellationToken));
        return [.. rows.Select(ToAggregate)];
    }

    public async Task<Preset?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters();
        parameters.AddText("Name", name);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM presets WHERE name = @Name", parameters, cancellationToken: cancellationToken));
        return row is null ? null : ToAggregate(row);
    }

    public async Task AddAsync(Preset preset, CancellationToken cancellationToken)
    {
        var parameters = Parameters(preset);
        parameters.AddText("Name", preset.Name);
        parameters.AddTime(_dialect, "CreatedAt", preset.CreatedAt);
        await using var connection = await connections.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO presets (id, name, expression, description, version, created_at, updated_at) " +
                "VALUES (@Id, @Name, @Expression, @Description, @Version, @CreatedAt, @UpdatedAt)",
                parameters, cancellationToken: cancellationToken));
        }
        catch (Exception ex) when (DbValues.IsUniqueViolation(ex))
        {
            throw new DuplicateNameException(Aggregate, preset.Name);
        }

        preset.MarkSaved();
    }

    public async Task UpdateAsync(Preset preset, CancellationToken cancellationToken)
    {
        var parameters = Parameters(preset);
        parameters.AddInt("LoadedVersion", preset.LoadedVersion);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE presets SET expression = @Expression, description = @Description, version = @Version, updated_at = @UpdatedAt " +
            "WHERE id = @Id AND version = @LoadedVersion",
            parameters, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            throw new ConcurrencyConflictException(Aggregate, preset.Id, preset.Name);
        }

        preset.MarkSaved();
    }

    public async Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", id);
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM presets WHERE id = @Id", parameters, cancellationToken: cancellationToken)) > 0;
    }

    private DynamicParameters Parameters(Preset preset)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", preset.Id);
        parameters.AddText("Expression", preset.Expression);
        parameters.AddText("Description", preset.Description);
        parameters.AddInt("Version", preset.Version);
        parameters.AddTime(_dialect, "UpdatedAt", preset.UpdatedAt);
        return parameters;
    }

    private static Preset ToAggregate(Row row) => Preset.Restore(
        DbValues.ReadId(row.Id),
        row.Name,
        row.Expression,
        row.Description,
        DbValues.ReadInt(row.Version),
        DbValues.ReadTime(row.CreatedAt),
        DbValues.ReadTime(row.UpdatedAt));

    private sealed class Row
    {
        public object Id { get; set; } = null!;

        public string Name { get; set; } = "";

        public string Expression { get; set; } = "";

        public string Description { get; set; } = "";

        public object Version { get; set; } = null!;

        public object CreatedAt { get; set; } = null!;

        public object UpdatedAt { get; set; } = null!;
    }
}
