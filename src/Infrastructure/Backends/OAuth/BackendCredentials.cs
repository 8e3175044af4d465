namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// Everything the gateway keeps about its OAuth relationship with one backend, stored as one encrypted blob
/// (<see cref="BackendCredentialStore"/>): the client it is registered as, the tokens in use, and a flow in progress.
/// </summary>
public sealed record BackendCredentials
{
    public BackendOAuthClientRegistration? Client { get; init; }

    public BackendTokenSet? Tokens { get; init; }

    public PendingBackendFlow? Pending { get; init; }

    public bool IsEmpty => Client is null && Tokens is null && Pending is null;
}

/// <summary>Where and as whom the gateway talks to a backend's authorization server.</summary>
public sealed record BackendOAuthClientRegistration(
    string Issuer,
    Uri AuthorizationEndpoint,
    Uri TokenEndpoint,
    Uri RedirectUri,
    string ClientId,
    string? ClientSecret,
    string Resource,
    bool Registered);

/// <summary>The tokens a backend is called with, and how to renew them.</summary>
public sealed record BackendTokenSet(
    string AccessToken,
    string? RefreshToken,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<string> Scopes,
    BackendOAuthClientRegistration Client);

/// <summary>A started authorization: who started it, the SHA-256 of its state, and the PKCE verifier.</summary>
public sealed record PendingBackendFlow(string Subject, string StateHash, string CodeVerifier, DateTimeOffset StartedAt);
