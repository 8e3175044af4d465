namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>What an <see cref="AuthorizationRequest"/> decides; each kind is its own type.</summary>
public enum AuthorizationRequestKind
{
    /// <summary>An MCP client asks a user for tag scopes (the consent page): <see cref="ClientConsentRequest"/>.</summary>
    ClientConsent,
    /// <summary>The gateway obtained a backend's OAuth tokens and waits for an operator to accept them: <see cref="BackendConnectionRequest"/>.</summary>
    BackendConnection,
}
