namespace OneMcp.TestServer.OAuth;

/// <summary>Names and values of the embedded authorization server (RFC 6749, 7591, 7636, 8414, 9728).</summary>
internal static class TestOAuthConstants
{
    public const string ScopeRead = "mcp:read";
    public const string ScopeWrite = "mcp:write";
    public const string AuthMethodNone = "none";
    public const string AuthMethodPost = "client_secret_post";
    public const string AuthMethodBasic = "client_secret_basic";
    public const string GrantAuthorizationCode = "authorization_code";
    public const string GrantRefreshToken = "refresh_token";

    public static readonly string[] Scopes = [ScopeRead, ScopeWrite];
    public static readonly string[] AuthMethods = [AuthMethodNone, AuthMethodPost, AuthMethodBasic];
    public static readonly string[] GrantTypes = [GrantAuthorizationCode, GrantRefreshToken];
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);
}

/// <summary>A registered client: dynamically (RFC 7591) or pre-registered with <c>--oauth-client-id</c>.</summary>
internal sealed record OAuthClient(
    string ClientId,
    string? ClientSecret,
    string? ClientName,
    IReadOnlyList<string> RedirectUris,
    string TokenEndpointAuthMethod,
    IReadOnlyList<string> GrantTypes,
    string? Scope,
    DateTimeOffset IssuedAt,
    bool AcceptsAnyRedirectUri = false)
{
    public string DisplayName => string.IsNullOrWhiteSpace(ClientName) ? ClientId : ClientName;

    /// <summary>Registered URIs match exactly; the pre-registered client takes any absolute http(s) URI (loopback included).</summary>
    public bool AllowsRedirectUri(string? redirectUri) =>
        redirectUri is not null && (AcceptsAnyRedirectUri ? IsHttpUri(redirectUri) : RedirectUris.Contains(redirectUri, StringComparer.Ordinal));

    public static bool IsHttpUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(uri.Fragment);
}

/// <summary>An authorization code waiting to be exchanged once; <see cref="Subject"/> is the account named on the consent page.</summary>
internal sealed record AuthorizationCodeGrant(
    string ClientId, string RedirectUri, string CodeChallenge, string Scope, string? Resource, DateTimeOffset ExpiresAt, string Subject);

/// <summary>What an access token grants, and to which account, until <see cref="ExpiresAt"/> or a revoke-all.</summary>
internal sealed record AccessTokenGrant(string ClientId, string Scope, string? Resource, DateTimeOffset ExpiresAt, string Subject);

/// <summary>What a refresh token grants, and to which account; it is replaced by a new one at each use.</summary>
internal sealed record RefreshTokenGrant(string ClientId, string Scope, string? Resource, string Subject);

/// <summary>A token response: the refresh token is null when the client did not register the refresh_token grant.</summary>
internal sealed record IssuedTokens(string AccessToken, string? RefreshToken, string Scope, TimeSpan ExpiresIn);

/// <summary>The counters of <c>GET /test-oauth/stats</c>.</summary>
internal sealed record TestOAuthStats(long AuthorizationCodesIssued, long AccessTokensIssued, long Refreshes, int ActiveAccessTokens);
