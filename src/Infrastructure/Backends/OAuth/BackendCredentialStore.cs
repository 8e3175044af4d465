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

    private readonly ProtectedBlobRows<BackendCredentials> _rows = new(
        connections, protection.CreateProtector(Purpose), time, "backend_credentials", owned: false, static c => c.IsEmpty);

    /// <summary>The stored credentials and the exact bytes they were read from (for <see cref="TryReplaceAsync"/>).</summary>
    public async Task<(BackendCredentials Credentials, byte[]? Stored)> LoadAsync(ServerName backend, CancellationToken cancellationToken) =>
        await _rows.LoadAsync(backend, null, cancellationToken);

    /// <summary>
    /// Replaces what was read as <paramref name="expected"/> (null: nothing stored) with <paramref name="next"/>;
    /// false when someone else changed it in between. Empty credentials delete the row.
    /// </summary>
    public Task<bool> TryReplaceAsync(ServerName backend, byte[]? expected, BackendCredentials next, CancellationToken cancellationToken) =>
        _rows.TryReplaceAsync(backend, null, expected, next, cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to the stored credentials, retrying when another writer got there first, and
    /// returns what was saved. Nothing saved is an error, never a result: <see cref="Application.Common.Exceptions.NotFoundException"/>
    /// when the backend is gone, <see cref="Domain.Common.ConcurrencyConflictException"/> when other writers won every try.
    /// </summary>
    public async Task<BackendCredentials> UpdateAsync(ServerName backend, Func<BackendCredentials, BackendCredentials> change, CancellationToken cancellationToken)
    {
        var (next, saved) = await _rows.UpdateAsync(backend, null, change, cancellationToken);
        return saved ? next : throw await _rows.NotSavedAsync(backend, "The OAuth credentials", cancellationToken);
    }

    /// <summary>Tokens travelling on a pending authorization request, encrypted like the stored credentials.</summary>
    public string ProtectTokens(BackendTokenSet tokens) => _rows.ProtectValue(tokens);

    public BackendTokenSet UnprotectTokens(string protectedTokens) => _rows.UnprotectValue<BackendTokenSet>(protectedTokens);
}
