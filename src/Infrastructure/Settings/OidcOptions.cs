namespace OneMcp.Infrastructure.Settings;

/// <summary>
/// Sign-in with the team's identity provider (<c>--oidc-*</c>, ADR 0034): an OpenID Connect provider found from its
/// issuer's metadata, this gateway registered there as a client whose redirect URI is <c>&lt;external-url&gt;/signin-oidc</c>.
/// </summary>
public sealed record OidcOptions
{
    public const string DefaultScopes = "openid profile email";
    public const string DefaultRoleClaim = "groups";

    /// <summary><c>--oidc-issuer</c>: https, or http on a loopback address (a provider on the same machine).</summary>
    public required Uri Issuer { get; init; }

    /// <summary><c>--oidc-client-id</c>.</summary>
    public required string ClientId { get; init; }

    /// <summary><c>ONEMCP_OIDC_CLIENT_SECRET</c> (never a flag: a flag shows in the process list); null for a public client. A secret: never log it.</summary>
    public string? ClientSecret { get; init; }

    /// <summary><c>--oidc-scopes</c>: always with <c>openid</c>.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = DefaultScopes.Split(' ');

    /// <summary><c>--oidc-display-name</c>: the name on the sign-in button ("Sign in with …"); by default the issuer's host.</summary>
    public required string DisplayName { get; init; }

    /// <summary><c>--oidc-role-claim</c>: the claim whose values decide who is an administrator.</summary>
    public string RoleClaim { get; init; } = DefaultRoleClaim;

    /// <summary><c>--oidc-admin-values</c>: values of the role claim that make an administrator (none: nobody is made one).</summary>
    public IReadOnlyList<string> AdminValues { get; init; } = [];

    /// <summary><c>--oidc-allowed-domains</c>: e-mail domains allowed to sign in (none: every account of the provider).</summary>
    public IReadOnlyList<string> AllowedDomains { get; init; } = [];

    // The generated record ToString would print the client secret.
    public override string ToString() =>
        $"OidcOptions {{ Issuer = {Issuer}, ClientId = {ClientId}, ClientSecret = {(ClientSecret is null ? "none" : "set")} }}";

    /// <summary>The path of the redirect URI to register at the provider.</summary>
    public const string CallbackPath = "/signin-oidc";
}
