using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Rows that hold one JSON document per backend (and, in a table with an <c>owner_key</c>, per owner), encrypted with
/// Data Protection, written compare-and-swap on the stored bytes: a writer that read a stale copy loses, so a one-time
/// state is consumed once and two refreshes never both save. An empty document deletes the row. Shared by the backend's
/// own OAuth credentials and each user's connection, so the swap is written once.
/// </summary>
/// <typeparam name="T">The document; <c>new T()</c> is what an absent row reads as.</typeparam>
internal sealed class ProtectedBlobRows<T>
    where T : class, new()
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IDbConnectionFactory _connections;
    private readonly IDataProtector _protector;
    private readonly TimeProvider _time;
    private readonly Func<T, bool> _isEmpty;
    private readonly string _table;
    private readonly bool _owned;
    private readonly string _ownerWhere;

    /// <summary>
    /// Rows of <paramref name="table"/> (columns <c>backend_id</c>, <c>protected_blob</c>, <c>updated_at</c>, and when
    /// <paramref name="owned"/> also <c>owner_key</c> and <c>created_at</c>); <paramref name="isEmpty"/> documents delete the row.
    /// </summary>
    public ProtectedBlobRows(IDbConnectionFactory connections, IDataProtector protector, TimeProvider time, string table, bool owned, Func<T, bool> isEmpty)
    {
        _connections = connections;
        _protector = protector;
        _time = time;
        _table = table;
        _owned = owned;
        _isEmpty = isEmpty;
        _ownerWhere = owned ? " AND owner_key = @Owner" : string.Empty;
    }

    /// <summary>The stored document and the exact bytes it was read from (null when no row: pass it to <see cref="TryReplaceAsync"/>).</summary>
    public async Task<(T Value, byte[]? Stored)> LoadAsync(ServerName backend, string? owner, CancellationToken cancellationToken)
    {
        var parameters = Parameters(backend, owner);
        await using var connection = await _connections.OpenAsync(cancellationToken);
        var blob = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            $"SELECT c.protected_blob FROM {_table} c JOIN backends b ON b.id = c.backend_id WHERE b.name = @Name{(_owned ? " AND c.owner_key = @Owner" : string.Empty)}",
            parameters, cancellationToken: cancellationToken));
        return blob is null ? (new T(), null) : (Unprotect(blob), blob);
    }

    /// <summary>
    /// Replaces what was read as <paramref name="expected"/> (null: nothing stored) with <paramref name="next"/>;
    /// false when someone else changed it in between, or the backend does not exist. An empty document deletes the row.
    /// </summary>
    public async Task<bool> TryReplaceAsync(ServerName backend, string? owner, byte[]? expected, T next, CancellationToken cancellationToken)
    {
        var dialect = _connections.Dialect;
        var parameters = Parameters(backend, owner);
        parameters.AddTime(dialect, "Now", _time.GetUtcNow());
        if (expected is not null)
        {
            parameters.Add("Expected", expected);
        }

        await using var connection = await _connections.OpenAsync(cancellationToken);
        var backendId = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT CAST(id AS TEXT) FROM backends WHERE name = @Name", parameters, cancellationToken: cancellationToken));
        if (backendId is null)
        {
            return false;
        }

        parameters.AddId(dialect, "BackendId", Guid.Parse(backendId));
        var key = "backend_id = @BackendId" + _ownerWhere;
        if (_isEmpty(next))
        {
            if (expected is null)
            {
                // Nothing was read and nothing is to be stored: done, unless another writer stored a row meanwhile,
                // which is theirs to keep (deleting it would lose their committed change; the caller reads again).
                return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    $"SELECT COUNT(*) FROM {_table} WHERE {key}", parameters, cancellationToken: cancellationToken)) == 0;
            }

            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM {_table} WHERE {key} AND protected_blob = @Expected", parameters, cancellationToken: cancellationToken));
            return deleted == 1;
        }

        parameters.Add("Blob", Protect(next));
        var insert = _owned
            ? $"INSERT INTO {_table} (backend_id, owner_key, protected_blob, created_at, updated_at) VALUES (@BackendId, @Owner, @Blob, @Now, @Now) ON CONFLICT (backend_id, owner_key) DO NOTHING"
            : $"INSERT INTO {_table} (backend_id, protected_blob, updated_at) VALUES (@BackendId, @Blob, @Now) ON CONFLICT (backend_id) DO NOTHING";
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            expected is null ? insert : $"UPDATE {_table} SET protected_blob = @Blob, updated_at = @Now WHERE {key} AND protected_blob = @Expected",
            parameters, cancellationToken: cancellationToken));
        return changed == 1;
    }

    /// <summary>How many times <see cref="UpdateAsync"/> reads and swaps before it gives up.</summary>
    public const int UpdateAttempts = 5;

    /// <summary>
    /// Applies <paramref name="change"/> to the stored document, retrying when another writer got there first
    /// (<see cref="UpdateAttempts"/> tries); <c>Saved</c> is false when none succeeded or the backend does not exist
    /// (<see cref="NotSavedAsync"/> tells which to the caller).
    /// </summary>
    public async Task<(T Next, bool Saved)> UpdateAsync(ServerName backend, string? owner, Func<T, T> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (current, stored) = await LoadAsync(backend, owner, cancellationToken);
            var next = change(current);
            var saved = await TryReplaceAsync(backend, owner, stored, next, cancellationToken);
            if (saved || attempt == UpdateAttempts)
            {
                return (next, saved);
            }
        }
    }

    /// <summary>
    /// Why an <see cref="UpdateAsync"/> of <paramref name="what"/> saved nothing, as the error its caller throws: the
    /// backend is gone (<see cref="NotFoundException"/>, 404), or other writers changed the row under every try
    /// (<see cref="ConcurrencyConflictException"/>, 409: nothing was written, the same request may succeed again).
    /// </summary>
    public async Task<Exception> NotSavedAsync(ServerName backend, string what, CancellationToken cancellationToken)
    {
        var parameters = Parameters(backend, null, ownerRequired: false);
        await using var connection = await _connections.OpenAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM backends WHERE name = @Name", parameters, cancellationToken: cancellationToken)) > 0;
        return exists
            ? new ConcurrencyConflictException(
                $"{what} for backend '{backend}' could not be saved: other requests changed the same record {UpdateAttempts} times meanwhile. Nothing was changed; try again.")
            : new NotFoundException("backend", backend.Value);
    }

    /// <summary>A value encrypted like the stored documents (for tokens travelling outside the table).</summary>
    public string ProtectValue<TValue>(TValue value) =>
        Convert.ToBase64String(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(value, Json)));

    public TValue UnprotectValue<TValue>(string protectedValue) =>
        JsonSerializer.Deserialize<TValue>(_protector.Unprotect(Convert.FromBase64String(protectedValue)), Json)
            ?? throw new InvalidOperationException("The protected value is empty.");

    /// <summary>Reads a stored blob (for listings that read the rows themselves).</summary>
    public T Unprotect(byte[] blob) => JsonSerializer.Deserialize<T>(_protector.Unprotect(blob), Json) ?? new T();

    private byte[] Protect(T value) => _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(value, Json));

    private DynamicParameters Parameters(ServerName backend, string? owner, bool ownerRequired = true)
    {
        if (ownerRequired && _owned != owner is not null)
        {
            throw new ArgumentException(_owned ? $"Rows of {_table} belong to an owner." : $"Rows of {_table} have no owner.", nameof(owner));
        }

        var parameters = new DynamicParameters();
        parameters.AddText("Name", backend.Value);
        if (owner is not null)
        {
            parameters.AddText("Owner", owner);
        }

        return parameters;
    }
}
