using System.Data.Common;
using Dapper;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>
/// Users in the <c>users</c> table. User names are unique case-insensitively: SQLite through a NOCASE column,
/// PostgreSQL through a unique index on <c>lower(user_name)</c> (names are ASCII, so both are exact).
/// </summary>
public sealed class UserRepository(IDbConnectionFactory connections) : IUserRepository
{
    private const string Aggregate = "user";
    private const string Columns = "id AS Id, user_name AS UserName, password_hash AS PasswordHash, external_subject AS ExternalSubject, groups AS Groups, role AS Role, disabled AS Disabled, version AS Version, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>The first key of the two-key advisory lock that changes taking an admin away share ("OMUA").</summary>
    private const int AdminChangeLockClass = 0x4F4D5541;

    /// <summary>
    /// The stored row (as the UPDATE or DELETE finds it) is not an enabled admin, or another enabled admin remains.
    /// </summary>
    private const string KeepsAnAdmin =
        "(NOT (role = 'admin' AND disabled = @False) OR EXISTS (SELECT 1 FROM users other WHERE other.id <> @Id AND other.role = 'admin' AND other.disabled = @False))";

    private readonly SqlDialect _dialect = connections.Dialect;

    private string UpdateSql =>
        $"UPDATE users SET password_hash = @PasswordHash, groups = {DbValues.JsonParam(_dialect, "Groups")}, role = @Role, disabled = @Disabled, version = @Version, updated_at = @UpdatedAt " +
        "WHERE id = @Id AND version = @LoadedVersion";

    public async Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken)
    {
        var order = _dialect == SqlDialect.Postgres ? "lower(user_name) COLLATE \"C\"" : "user_name";
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users ORDER BY {order}", cancellationToken: cancellationToken));
        return [.. rows.Select(ToAggregate)];
    }

    public async Task<User?> FindByNameAsync(string userName, CancellationToken cancellationToken)
    {
        var where = _dialect == SqlDialect.Postgres ? "lower(user_name) = lower(@UserName)" : "user_name = @UserName";
        await using var connection = await connections.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters();
        parameters.AddText("UserName", userName);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE {where}", parameters, cancellationToken: cancellationToken));
        return row is null ? null : ToAggregate(row);
    }

    public async Task<User?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", id);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = @Id", parameters, cancellationToken: cancellationToken));
        return row is null ? null : ToAggregate(row);
    }

    public async Task<User?> FindByExternalSubjectAsync(string externalSubject, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters();
        parameters.AddText("ExternalSubject", externalSubject);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE external_subject = @ExternalSubject", parameters, cancellationToken: cancellationToken));
        return row is null ? null : ToAggregate(row);
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var count = await connection.ExecuteScalarAsync<object>(new CommandDefinition("SELECT COUNT(*) FROM users", cancellationToken: cancellationToken));
        return DbValues.ReadInt(count!);
    }

    public async Task AddAsync(User user, CancellationToken cancellationToken)
    {
        var parameters = Parameters(user);
        parameters.AddText("UserName", user.UserName);
        parameters.AddText("ExternalSubject", user.ExternalSubject);
        parameters.AddTime(_dialect, "CreatedAt", user.CreatedAt);
        await using var connection = await connections.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO users (id, user_name, password_hash, external_subject, groups, role, disabled, version, created_at, updated_at) " +
                $"VALUES (@Id, @UserName, @PasswordHash, @ExternalSubject, {DbValues.JsonParam(_dialect, "Groups")}, @Role, @Disabled, @Version, @CreatedAt, @UpdatedAt)",
                parameters, cancellationToken: cancellationToken));
        }
        catch (Exception ex) when (DbValues.IsUniqueViolation(ex))
        {
            // The subject is unique too: two first sign-ins of one provider user at once create it once.
            throw new DuplicateNameException(Aggregate, user.UserName);
        }

        user.MarkSaved();
    }

    public async Task UpdateAsync(User user, CancellationToken cancellationToken)
    {
        var parameters = UpdateParameters(user);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(UpdateSql, parameters, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            throw new ConcurrencyConflictException(Aggregate, user.Id, user.UserName);
        }

        user.MarkSaved();
    }

    public async Task UpdateKeepingAnAdminAsync(User user, CancellationToken cancellationToken)
    {
        var parameters = UpdateParameters(user);
        parameters.AddBool("StaysAdmin", user.IsAdmin && !user.Disabled);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await BeginAdminChangeAsync(connection, cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            $"{UpdateSql} AND (@StaysAdmin OR {KeepsAnAdmin})", parameters, transaction, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            var version = await connection.ExecuteScalarAsync<object?>(new CommandDefinition(
                "SELECT version FROM users WHERE id = @Id", parameters, transaction, cancellationToken: cancellationToken));
            if (version is null || DbValues.ReadInt(version) != user.LoadedVersion)
            {
                throw new ConcurrencyConflictException(Aggregate, user.Id, user.UserName);
            }

            throw new LastAdminException(user.UserName);
        }

        await transaction.CommitAsync(cancellationToken);
        user.MarkSaved();
    }

    public async Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", id);
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM users WHERE id = @Id", parameters, cancellationToken: cancellationToken)) > 0;
    }

    public async Task<bool> RemoveKeepingAnAdminAsync(User user, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", user.Id);
        parameters.AddBool("False", false);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await BeginAdminChangeAsync(connection, cancellationToken);
        if (await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM users WHERE id = @Id AND {KeepsAnAdmin}", parameters, transaction, cancellationToken: cancellationToken)) == 0)
        {
            var exists = await connection.ExecuteScalarAsync<object?>(new CommandDefinition(
                "SELECT 1 FROM users WHERE id = @Id", parameters, transaction, cancellationToken: cancellationToken));
            return exists is null ? false : throw new LastAdminException(user.UserName);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// A transaction in which changes that may take an administrator away run one at a time: on PostgreSQL a
    /// transaction-scoped advisory lock (read committed alone would let two updates of different rows each see the
    /// other admin still there); SQLite's transactions take its single write lock at once (BEGIN IMMEDIATE).
    /// </summary>
    private async Task<DbTransaction> BeginAdminChangeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            if (_dialect == SqlDialect.Postgres)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_advisory_xact_lock(@Class, 0)", new { Class = AdminChangeLockClass }, transaction, cancellationToken: cancellationToken));
            }

            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    private DynamicParameters UpdateParameters(User user)
    {
        var parameters = Parameters(user);
        parameters.AddInt("LoadedVersion", user.LoadedVersion);
        parameters.AddBool("False", false);
        return parameters;
    }

    private DynamicParameters Parameters(User user)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", user.Id);
        parameters.AddText("PasswordHash", user.PasswordHash);
        parameters.AddText("Groups", DbValues.ToJson(user.Groups));
        parameters.AddText("Role", user.Role switch
        {
            UserRole.Member => "member",
            UserRole.Admin => "admin",
            _ => throw new ArgumentOutOfRangeException(nameof(user), user.Role, "Unknown role."),
        });
        parameters.AddBool("Disabled", user.Disabled);
        parameters.AddInt("Version", user.Version);
        parameters.AddTime(_dialect, "UpdatedAt", user.UpdatedAt);
        return parameters;
    }

    private static User ToAggregate(Row row) => User.Restore(
        DbValues.ReadId(row.Id),
        row.UserName,
        row.PasswordHash,
        row.ExternalSubject,
        DbValues.FromJson<string[]>(row.Groups),
        row.Role switch
        {
            "member" => UserRole.Member,
            "admin" => UserRole.Admin,
            _ => throw new InvalidOperationException($"Stored user '{row.UserName}' has an unknown role '{row.Role}'."),
        },
        DbValues.ReadBool(row.Disabled),
        DbValues.ReadInt(row.Version),
        DbValues.ReadTime(row.CreatedAt),
        DbValues.ReadTime(row.UpdatedAt));

    private sealed class Row
    {
        public object Id { get; set; } = null!;

        public string UserName { get; set; } = "";

        public string PasswordHash { get; set; } = "";

        public string? ExternalSubject { get; set; }

        public string Groups { get; set; } = "[]";

        public string Role { get; set; } = "";

        public object Disabled { get; set; } = null!;

        public object Version { get; set; } = null!;

        public object CreatedAt { get; set; } = null!;

        public object UpdatedAt { get; set; } = null!;
    }
}
