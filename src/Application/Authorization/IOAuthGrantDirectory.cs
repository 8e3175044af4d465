namespace OneMcp.Application.Authorization;

/// <summary>
/// The gateway's OAuth server as the dashboard sees it: registered clients, the grants (authorizations) users
/// gave them, and revocation. Implemented in Infrastructure over OpenIddict's managers.
/// </summary>
public interface IOAuthGrantDirectory
{
    /// <summary>Every registered client with its valid grants, ordered by client id.</summary>
    Task<IReadOnlyList<OAuthClientRecord>> ListClientsAsync(CancellationToken cancellationToken);

    /// <summary>A valid grant by id; null when there is none (unknown, revoked or pruned).</summary>
    Task<OAuthGrantRecord?> FindGrantAsync(string grantId, CancellationToken cancellationToken);

    /// <summary>Revokes the grant and every token issued from it; false when there was no valid grant.</summary>
    Task<bool> RevokeGrantAsync(string grantId, CancellationToken cancellationToken);

    /// <summary>Revokes every grant and token of one subject (a user id): used when a user is disabled or demoted.</summary>
    Task RevokeSubjectAsync(string subject, CancellationToken cancellationToken);
}
