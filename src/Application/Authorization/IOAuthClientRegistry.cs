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

/// <param name="ClientId">The client id it was issued.</param>
/// <param name="DisplayName">The name it registered (null when it gave none).</param>
/// <param name="MayRefresh">Whether it registered the refresh_token grant (and so may get offline access).</param>
public sealed record OAuthClient(string ClientId, string? DisplayName, bool MayRefresh);

/// <param name="ClientId">The client id issued to it.</param>
/// <param name="ClientSecret">Null for a public client (<c>token_endpoint_auth_method=none</c>).</param>
/// <param name="DisplayName">The name shown on the consent page and in the dashboard.</param>
/// <param name="RedirectUris">Where it may be sent back (https or loopback).</param>
/// <param name="MayRefresh">Whether it registered the refresh_token grant.</param>
/// <param name="ApplicationType">The RFC 7591 / OpenID registration <c>application_type</c>: <see cref="OAuthApplicationTypes.Web"/> unless it said native.</param>
public sealed record OAuthClientRegistration(
    string ClientId, string? ClientSecret, string DisplayName, IReadOnlyList<Uri> RedirectUris, bool MayRefresh, string ApplicationType = OAuthApplicationTypes.Web)
{
    public bool IsPublic => ClientSecret is null;

    // Records print every property; this one holds a secret.
    public override string ToString() => $"OAuthClientRegistration {{ ClientId = {ClientId}, DisplayName = {DisplayName} }}";
}

/// <summary>The <c>application_type</c> values of client registration (OpenID Connect Dynamic Client Registration §2).</summary>
public static class OAuthApplicationTypes
{
    /// <summary>The default: a client that runs on a web server or in a browser.</summary>
    public const string Web = "web";

    /// <summary>A client installed on the user's device (a desktop or mobile application, a CLI).</summary>
    public const string Native = "native";
}
