using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Connections;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// Where <see cref="BackendTokenSource"/> keeps the tokens of a backend: its shared credentials' row, or for a user
/// (<see cref="ConnectionOwner"/>) that user's row of <see cref="UserConnectionStore"/>; read, and written only over
/// the tokens a renewal started from.
/// </summary>
internal sealed class BackendTokenRows(BackendCredentialStore store, UserConnectionStore userConnections)
{
    /// <summary>The tokens stored for the backend (and user), null when there are none.</summary>
    public async Task<BackendTokenSet?> LoadAsync(ServerName backend, ConnectionOwner? owner, CancellationToken cancellationToken) =>
        owner is { } user
            ? (await userConnections.LoadAsync(backend, user, cancellationToken)).Connection.Tokens
            : (await store.LoadAsync(backend, cancellationToken)).Credentials.Tokens;

    /// <summary>
    /// Stores <paramref name="next"/> (null: no tokens) only while the store still holds <paramref name="basis"/>, the
    /// tokens this renewal started from; otherwise leaves the row as it is. Returns whether it was written and the
    /// tokens the store holds now. Atomic on SQLite and PostgreSQL alike: the row is replaced only if its encrypted
    /// bytes are still those the check read (an <c>UPDATE ... WHERE protected_blob = @Expected</c>), so nothing can be
    /// stored between the check and the write. A change elsewhere in the row (a secret set, a flow begun) is read
    /// again and the check repeated.
    /// </summary>
    public async Task<(bool Written, BackendTokenSet? Stored)> SwapAsync(
        ServerName backend, ConnectionOwner? owner, BackendTokenSet basis, BackendTokenSet? next, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            BackendTokenSet? stored;
            bool written;
            if (owner is { } user)
            {
                var (connection, bytes) = await userConnections.LoadAsync(backend, user, cancellationToken);
                stored = connection.Tokens;
                if (!SameTokens(stored, basis))
                {
                    return (false, stored);
                }

                // Renewed tokens keep the time the user connected; dropped ones take it with them.
                var changed = connection with { Tokens = next, ConnectedAt = next is null ? null : connection.ConnectedAt };
                written = await userConnections.TryReplaceAsync(backend, user, bytes, changed, cancellationToken);
            }
            else
            {
                var (credentials, bytes) = await store.LoadAsync(backend, cancellationToken);
                stored = credentials.Tokens;
                if (!SameTokens(stored, basis))
                {
                    return (false, stored);
                }

                written = await store.TryReplaceAsync(backend, bytes, credentials with { Tokens = next }, cancellationToken);
            }

            if (written)
            {
                return (true, next);
            }

            if (attempt == 5)
            {
                throw new InvalidOperationException($"The OAuth tokens of backend '{backend}' could not be stored: the row changed five times meanwhile.");
            }
        }
    }

    // The same grant at the same point: the access token and the refresh token it is renewed with (never logged).
    private static bool SameTokens(BackendTokenSet? stored, BackendTokenSet basis) =>
        stored is not null && stored.AccessToken == basis.AccessToken && stored.RefreshToken == basis.RefreshToken;
}
