using Dapper;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Connections;

/// <summary>
/// Each user's connections in <c>user_connections</c>, one <see cref="UserConnection"/> per backend and owner,
/// encrypted with Data Protection under its own purpose (a copy of the database shows neither a secret nor a token).
/// Writes are compare-and-swap on the stored bytes, like the backend's own credentials, so a user's one-time state is
/// consumed once and two refreshes of a user's tokens never both save.
/// </summary>
public sealed class UserConnectionStore(IDbConnectionFactory connections, IDataProtectionProvider protection, TimeProvider time) : IUserConnectionStore
{
    /// <summary>The purpose that isolates these payloads from the backend credentials and cookies protected with the same keys.</summary>
    public const string Purpose = "OneMcp.UserConnections.v1";

    private readonly ProtectedBlobRows<UserConnection> _rows = new(
        connections, protection.CreateProtector(Purpose), time, "user_connections", owned: true, static c => c.IsEmpty);

    public async Task<IReadOnlyList<UserConnectionSummary>> ListAsync(ServerName? backend, ConnectionOwner? owner, CancellationToken cancellationToken)
    {
        var dialect = connections.Dialect;
        var parameters = new DynamicParameters();
        var where = new List<string>();
        if (backend is { } name)
        {
            parameters.AddText("Name", name.Value);
            where.Add("b.name = @Name");
        }

        if (owner is { } o)
        {
            parameters.AddText("Owner", o.Key);
            where.Add("c.owner_key = @Owner");
        }

        var sql = "SELECT b.name AS backend, c.owner_key, c.protected_blob, c.created_at, c.updated_at " +
            "FROM user_connections c JOIN backends b ON b.id = c.backend_id" +
            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty) +
            $" ORDER BY {DbValues.OrderByBinary(dialect, "b.name")}, {DbValues.OrderByBinary(dialect, "c.owner_key")}";
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(row => Summarize((IDictionary<string, object>)row)).OfType<UserConnectionSummary>()];
    }

    public async Task<IReadOnlyDictionary<string, UserSecretValue>> GetSecretsAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        var (connection, _) = await LoadAsync(backend, owner, cancellationToken);
        return connection.Secrets.ToDictionary(s => s.Key, s => new UserSecretValue(s.Value.Value, s.Value.SetFor), StringComparer.Ordinal);
    }

    public async Task SetSecretsAsync(
        ServerName backend, ConnectionOwner owner, IReadOnlyDictionary<string, string> values, string? setFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        var now = DbValues.ToStoredPrecision(time.GetUtcNow());
        await SaveAsync(backend, owner, "Your secrets", current =>
        {
            var secrets = new Dictionary<string, UserSecret>(current.Secrets, StringComparer.Ordinal);
            foreach (var (name, value) in values)
            {
                secrets[name] = new UserSecret(value, now, setFor);
            }

            return current with { Secrets = secrets };
        }, cancellationToken);
    }

    public async Task<bool> DeleteAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Name", backend.Value);
        parameters.AddText("Owner", owner.Key);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM user_connections WHERE owner_key = @Owner AND backend_id IN (SELECT id FROM backends WHERE name = @Name)",
            parameters, cancellationToken: cancellationToken));
        return deleted > 0;
    }

    public async Task<int> DeleteForOwnerAsync(ConnectionOwner owner, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Owner", owner.Key);
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM user_connections WHERE owner_key = @Owner", parameters, cancellationToken: cancellationToken));
    }

    /// <summary>The owner's stored connection and the exact bytes it was read from (for <see cref="TryReplaceAsync"/>).</summary>
    public Task<(UserConnection Connection, byte[]? Stored)> LoadAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
        _rows.LoadAsync(backend, owner.Key, cancellationToken);

    /// <summary>
    /// Replaces what was read as <paramref name="expected"/> (null: nothing stored) with <paramref name="next"/>; false
    /// when someone else changed it in between or the backend is gone. An empty connection deletes the row.
    /// </summary>
    public Task<bool> TryReplaceAsync(ServerName backend, ConnectionOwner owner, byte[]? expected, UserConnection next, CancellationToken cancellationToken) =>
        _rows.TryReplaceAsync(backend, owner.Key, expected, next, cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to the owner's connection, retrying when another writer got there first. When it
    /// could not be saved, throws what <see cref="ProtectedBlobRows{T}.NotSavedAsync"/> says of <paramref name="what"/>:
    /// <see cref="Application.Common.Exceptions.NotFoundException"/> (404) when the backend is gone,
    /// <see cref="Domain.Common.ConcurrencyConflictException"/> (409) when other writers won every try.
    /// </summary>
    public async Task SaveAsync(ServerName backend, ConnectionOwner owner, string what, Func<UserConnection, UserConnection> change, CancellationToken cancellationToken)
    {
        if (!await UpdateAsync(backend, owner, change, cancellationToken))
        {
            throw await _rows.NotSavedAsync(backend, what, cancellationToken);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the owner's connection, retrying when another writer got there first; false when it could not be saved.</summary>
    public async Task<bool> UpdateAsync(ServerName backend, ConnectionOwner owner, Func<UserConnection, UserConnection> change, CancellationToken cancellationToken) =>
        (await _rows.UpdateAsync(backend, owner.Key, change, cancellationToken)).Saved;

    // Decrypts one row to read what a summary shows (names and dates); no value leaves this method. A row that only
    // holds an authorization the user has not finished is no connection yet: null.
    private UserConnectionSummary? Summarize(IDictionary<string, object> row)
    {
        var stored = _rows.Unprotect((byte[])row["protected_blob"]);
        if (stored.Secrets.Count == 0 && stored.Tokens is null && stored.TokensAwaitingApproval is null)
        {
            return null;
        }

        return new UserConnectionSummary(
            ServerName.From((string)row["backend"]),
            new ConnectionOwner((string)row["owner_key"]),
            [.. stored.Secrets.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new UserSecretInfo(s.Key, s.Value.SetAt, s.Value.SetFor))],
            stored.Tokens is null ? null : (stored.ConnectedAt ?? stored.Tokens.IssuedAt).ToUniversalTime(),
            stored.TokensAwaitingApproval is not null,
            DbValues.ReadTime(row["created_at"]),
            DbValues.ReadTime(row["updated_at"]));
    }
}
