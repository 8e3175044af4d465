namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>The tokens a backend is called with, and how to renew them.</summary>
public sealed record BackendTokenSet(
    string AccessToken,
    string? RefreshToken,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<string> Scopes,
    BackendOAuthClientRegistration Client);
