namespace OneMcp.Application.Authorization;

/// <summary>
/// The clients registered with the gateway's OAuth server (RFC 7591), as the authorization and registration
/// use cases need them. Implemented in Infrastructure over OpenIddict's application manager; present only when
/// the authorization server is on.
/// </summary>
public interface IOAuthClientRegistry
{
    /// <summary>The registered client, or null when there is none with this id.</summary>
    Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>Stores a new client: the authorization-code grant with PKCE always, refresh tokens when asked for.</summary>
    Task RegisterAsync(OAuthClientRegistration registration, CancellationToken cancellationToken);
}
