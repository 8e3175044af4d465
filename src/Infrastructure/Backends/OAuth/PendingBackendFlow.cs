namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// A started authorization: who started it, the SHA-256 of its state, the PKCE verifier, and the client the
/// authorization page was opened for (null in a flow stored before it was kept), which alone may redeem its code.
/// </summary>
public sealed record PendingBackendFlow(
    string Subject, string StateHash, string CodeVerifier, DateTimeOffset StartedAt, BackendOAuthClientRegistration? Client = null);
