namespace OneMcp.Application.Authorization.Commands;

/// <summary>The metadata names and values of RFC 7591 that the gateway reads or accepts.</summary>
public static class ClientMetadata
{
    public const string RedirectUris = "redirect_uris";
    public const string GrantTypes = "grant_types";
    public const string ResponseTypes = "response_types";
    public const string TokenEndpointAuthMethod = "token_endpoint_auth_method";
    public const string ClientName = "client_name";
    public const string ApplicationType = "application_type";

    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
    public const string Code = "code";
    public const string None = "none";
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";

    /// <summary>
    /// The <c>token_endpoint_auth_method</c> values registration accepts, which are exactly the ones the token and
    /// revocation endpoints accept and the authorization server metadata advertises.
    /// </summary>
    public static IReadOnlyList<string> TokenEndpointAuthMethods { get; } = [None, ClientSecretBasic, ClientSecretPost];

    /// <summary>The error of RFC 7591 §3.2.2 for a redirect URI that cannot be registered.</summary>
    public const string InvalidRedirectUri = "invalid_redirect_uri";

    /// <summary>The error of RFC 7591 §3.2.2 for any other metadata that cannot be accepted.</summary>
    public const string InvalidClientMetadata = "invalid_client_metadata";

    public const int MaxRedirectUris = 10;
    public const int MaxClientNameLength = 200;
}
