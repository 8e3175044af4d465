using Dapper;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.TagScopes;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>Tag scopes in the <c>tag_scopes</c> table; allowed users and allowed groups are JSON arrays.</summary>
public sealed class TagScopeRepository(IDbConnectionFactory connections) : ITagScopeRepository
{
    private const string Aggregate = "tag scope";
    private const string Columns = "id AS Id, tag AS Tag, description AS Description, policy AS Policy, allowed_users AS AllowedUsers, allowed_groups AS AllowedGroups, version AS Version, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private readonly SqlDialect _dialect = connections.Dialect;

    public async Task<IReadOnlyList<TagScope>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM tag_scopes ORDER BY {DbValues.OrderByBinary(_dialect, "tag")}", cancellationToken: cancellationToken));
        return [.. rows.Select(ToAggregate)];
    }

    public async Task<TagScope?> FindAsync(Tag tag, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters();
        parameters.AddText("Tag", tag.Value);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM tag_scopes WHERE tag = @Tag", parameters, cancellationToken: cancellationToken));
        return row is null ? null : ToAggregate(row);
    }

    public async Task AddAsync(TagScope scope, CancellationToken cancellationToken)
    {
        var parameters = Parameters(scope);
        parameters.AddText("Tag", scope.Tag.Value);
        parameters.AddTime(_dialect, "CreatedAt", scope.CreatedAt);
        await using var connection = await connections.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO tag_scopes (id, tag, description, policy, allowed_users, allowed_groups, version, created_at, updated_at) " +
                $"VALUES (@Id, @Tag, @Description, @Policy, {DbValues.JsonParam(_dialect, "AllowedUsers")}, {DbValues.JsonParam(_dialect, "AllowedGroups")}, " +
                "@Version, @CreatedAt, @UpdatedAt)",
                parameters, cancellationToken: cancellationToken));
        }
        catch (Exception ex) when (DbValues.IsUniqueViolation(ex))
        {
            throw new DuplicateNameException(Aggregate, scope.Tag.Value);
        }

        scope.MarkSaved();
    }

    public async Task UpdateAsync(TagScope scope, CancellationToken cancellationToken)
    {
        var parameters = Parameters(scope);
        parameters.AddInt("LoadedVersion", scope.LoadedVersion);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE tag_scopes SET description = @Description, policy = @Policy, allowed_users = {DbValues.JsonParam(_dialect, "AllowedUsers")}, " +
            $"allowed_groups = {DbValues.JsonParam(_dialect, "AllowedGroups")}, " +
            "version = @Version, updated_at = @UpdatedAt WHERE id = @Id AND version = @LoadedVersion",
            parameters, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            throw new ConcurrencyConflictException(Aggregate, scope.Id, scope.Tag.Value);
        }

        scope.MarkSaved();
    }

    public async Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", id);
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM tag_scopes WHERE id = @Id", parameters, cancellationToken: cancellationToken)) > 0;
    }

    private DynamicParameters Parameters(TagScope scope)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", scope.Id);
        parameters.AddText("Description", scope.Description);
        parameters.AddText("Policy", scope.Policy switch
        {
            GrantPolicy.AllUsers => "all_users",
            GrantPolicy.AdminsOnly => "admins_only",
            GrantPolicy.NamedUsers => "named_users",
            _ => throw new ArgumentOutOfRangeException(nameof(scope), scope.Policy, "Unknown grant policy."),
        });
        parameters.AddText("AllowedUsers", DbValues.ToJson(scope.AllowedUsers));
        parameters.AddText("AllowedGroups", DbValues.ToJson(scope.AllowedGroups));
        parameters.AddInt("Version", scope.Version);
        parameters.AddTime(_dialect, "UpdatedAt", scope.UpdatedAt);
        return parameters;
    }

    private static TagScope ToAggregate(Row row) => TagScope.Restore(
        DbValues.ReadId(row.Id),
        Tag.From(row.Tag),
        row.Description,
        row.Policy switch
        {
            "all_users" => GrantPolicy.AllUsers,
            "admins_only" => GrantPolicy.AdminsOnly,
            "named_users" => GrantPolicy.NamedUsers,
            _ => throw new InvalidOperationException($"Stored tag scope '{row.Tag}' has an unknown policy '{row.Policy}'."),
        },
        DbValues.FromJson<string[]>(row.AllowedUsers),
        DbValues.FromJson<string[]>(row.AllowedGroups),
        DbValues.ReadInt(row.Version),
        DbValues.ReadTime(row.CreatedAt),
        DbValues.ReadTime(row.UpdatedAt));

    private sealed class Row
    {
        public object Id { get; set; } = null!;

        public string Tag { get; set; } = "";

        public string Description { get; set; } = "";

        public string Policy { get; set; } = "";

        public string AllowedUsers { get; set; } = "";

        public string AllowedGroups { get; set; } = "";

        public object Version { get; set; } = null!;

        public object CreatedAt { get; set; } = null!;

        public object UpdatedAt { get; set; } = null!;
    }
}
