namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Where <c>--enable-auth</c> answers: the OAuth endpoints, the sign-in pages and the RFC 9728 metadata (lower case,
/// as mapped). The rate limits, the cookie scheme and OpenIddict are configured with them; the host maps them.
/// </summary>
public static class GatewayAuthPaths
{
    public const string Authorize = "/authorize";
    public const string Token = "/token";
    public const string Register = "/register";
    public const string Revoke = "/revoke";
    public const string Login = "/login";
    public const string Logout = "/logout";

    /// <summary>"Sign in with &lt;provider&gt;": sends the browser to the identity provider.</summary>
    public const string ProviderSignIn = "/login/oidc";

    /// <summary>Where the identity provider sends the browser back (<see cref="Settings.OidcOptions.CallbackPath"/>).</summary>
    public const string ProviderCallback = Settings.OidcOptions.CallbackPath;
    public const string ProtectedResourceMetadata = "/.well-known/oauth-protected-resource";

    /// <summary>The authorization server metadata (RFC 8414), also served at <see cref="OpenIdConfiguration"/>.</summary>
    public const string AuthorizationServerMetadata = "/.well-known/oauth-authorization-server";

    public const string OpenIdConfiguration = "/.well-known/openid-configuration";

    /// <summary>The public keys (<c>jwks_uri</c> of the metadata).</summary>
    public const string Jwks = "/.well-known/jwks";

    /// <summary>The protected resource: the MCP endpoint (the host's <c>GatewayRoutes.Mcp</c>).</summary>
    public const string Mcp = "/mcp";
}
