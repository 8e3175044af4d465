using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// A backend's <see cref="BackendCredentials"/> in <c>backend_credentials</c>, encrypted with ASP.NET Core Data
/// Protection (keys in the same database, so every replica reads them; a copy of the database file alone shows
/// no token). Writes are compare-and-swap on the stored bytes, so a one-time state is consumed once.
/// </summary>
public sealed class BackendCredentialStore(IDbConnectionFactory connections, IDataProtectionProvider protection, TimeProvider time)
{
    /// <summary>The purpose that isolates these payloads from cookies and OAuth tokens protected with the same keys.</summary>
    public const string Purpose = "OneMcp.BackendCredentials.v1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly IDataProtector _protector = protection.CreateProtector(Purpose);
    private readonly SqlDialect _dialect = connections.Dialect;

    /// <summary>The stored credentials and the exact bytes they were read from (for <see cref="TryReplaceAsync"/>).</summary>
    public async Task<(BackendCredentials Credentials, byte[]? Stored)> LoadAsync(ServerName backend, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Name", backend.Value);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var blob = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT c.protected_blob FROM backend_credentials c JOIN backends b ON b.id = c.backend_id WHERE b.name = @Name",
            parameters, cancellationToken: cancellationToken));
        return blob is null ? (new BackendCredentials(), null) : (Unprotect(blob), blob);
    }

    /// <summary>
    /// Replaces what was read as <paramref name="expected"/> (null: nothing stored) with <paramref name="next"/>;
    /// false when someone else changed it in between. Empty credentials delete the row.
    /// </summary>
    public async Task<bool> TryReplaceAsync(ServerName backend, byte[]? expected, BackendCredentials next, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Name", backend.Value);
        parameters.AddTime(_dialect, "Now", time.GetUtcNow());
        if (expected is not null)
        {
            parameters.Add("Expected", expected);
        }

        await using var connection = await connections.OpenAsync(cancellationToken);
        var backendId = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT CAST(id AS TEXT) FROM backends WHERE name = @Name", parameters, cancellationToken: cancellationToken));
        if (backendId is null)
        {
            return false;
        }

        parameters.AddId(_dialect, "BackendId", Guid.Parse(backendId));
        if (next.IsEmpty)
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                expected is null
                    ? "DELETE FROM backend_credentials WHERE backend_id = @BackendId"
                    : "DELETE FROM backend_credentials WHERE backend_id = @BackendId AND protected_blob = @Expected",
                parameters, cancellationToken: cancellationToken));
            return expected is null || deleted == 1;
        }

        parameters.Add("Blob", Protect(next));
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            expected is null
                ? "INSERT INTO backend_credentials (backend_id, protected_blob, updated_at) VALUES (@BackendId, @Blob, @Now) ON CONFLICT (backend_id) DO NOTHING"
                : "UPDATE backend_credentials SET protected_blob = @Blob, updated_at = @Now WHERE backend_id = @BackendId AND protected_blob = @Expected",
            parameters, cancellationToken: cancellationToken));
        return changed == 1;
    }

    /// <summary>Applies <paramref name="change"/> to the stored credentials, retrying when another writer got there first.</summary>
    public async Task<BackendCredentials> UpdateAsync(ServerName backend, Func<BackendCredentials, BackendCredentials> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (current, stored) = await LoadAsync(backend, cancellationToken);
            var next = change(current);
            if (await TryReplaceAsync(backend, stored, next, cancellationToken) || attempt == 4)
            {
                return next;
            }
        }
    }

    /// <summary>Tokens travelling on a pending authorization request, encrypted like the stored credentials.</summary>
    public string ProtectTokens(BackendTokenSet tokens) =>
        Convert.ToBase64String(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(tokens, Json)));

    public BackendTokenSet UnprotectTokens(string protectedTokens) =>
        JsonSerializer.Deserialize<BackendTokenSet>(_protector.Unprotect(Convert.FromBase64String(protectedTokens)), Json)
            ?? throw new InvalidOperationException("The protected backend tokens are empty.");

    private byte[] Protect(BackendCredentials credentials) => _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(credentials, Json));

    private BackendCredentials Unprotect(byte[] blob) =>
        JsonSerializer.Deserialize<BackendCredentials>(_protector.Unprotect(blob), Json) ?? new BackendCredentials();
}
