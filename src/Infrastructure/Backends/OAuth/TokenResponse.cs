namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>What a token endpoint answered.</summary>
public sealed record TokenResponse(string AccessToken, string? RefreshToken, TimeSpan? ExpiresIn, IReadOnlyList<string>? Scopes);
