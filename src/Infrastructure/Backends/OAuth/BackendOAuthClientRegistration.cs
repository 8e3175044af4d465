namespace OneMcp.Infrastructure.Backends.OAuth;

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
