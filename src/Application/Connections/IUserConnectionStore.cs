using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// Each user's connections to per-user backends (table <c>user_connections</c>, one row per backend and user),
/// encrypted at rest: the secrets they entered and their OAuth tokens. Only <see cref="GetSecretsAsync"/> returns a
/// value, and only the runtime that builds that user's connection calls it. Implemented in Infrastructure.
/// </summary>
public interface IUserConnectionStore
{
    /// <summary>Summaries (never values), filtered by backend and/or owner when given, ordered by backend then owner.</summary>
    Task<IReadOnlyList<UserConnectionSummary>> ListAsync(ServerName? backend, ConnectionOwner? owner, CancellationToken cancellationToken);

    /// <summary>The owner's secret values for the backend, each with the origin it was set for (empty when none).</summary>
    Task<IReadOnlyDictionary<string, UserSecretValue>> GetSecretsAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the given secrets (each one's set-at is now, and the origin they may go to <paramref name="setFor"/>:
    /// <see cref="UserSecretReferences.DestinationOf"/> of the backend as it is now), keeping the others. Creates the
    /// connection when needed.
    /// </summary>
    Task SetSecretsAsync(ServerName backend, ConnectionOwner owner, IReadOnlyDictionary<string, string> values, string? setFor, CancellationToken cancellationToken);

    /// <summary>Deletes the owner's connection to the backend (secrets and tokens); false when there was none.</summary>
    Task<bool> DeleteAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken);

    /// <summary>Deletes every connection of the owner (a user removed or disabled); how many there were.</summary>
    Task<int> DeleteForOwnerAsync(ConnectionOwner owner, CancellationToken cancellationToken);
}
