using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using OneMcp.Application.Users;
using OneMcp.Infrastructure.Settings;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using Polly;

namespace OneMcp.Infrastructure.Identity.Oidc;

/// <summary>
/// Sign-in with the team's identity provider (ADR 0034): OpenIddict's client runs the authorization code flow with
/// PKCE against the provider found from its metadata, checks <c>state</c>, <c>iss</c> and the ID token (signature,
/// audience, lifetime, <c>nonce</c>), and hands the host a validated principal at <see cref="OidcOptions.CallbackPath"/>.
/// State tokens are Data Protection payloads (the key ring is shared through the database) kept in the token store
/// until used once, so a sign-in started on one replica completes on any other.
/// </summary>
public static class IdentityProviderSignIn
{
    /// <summary>The one registration's name (OpenIddict's provider name, never shown).</summary>
    public const string ProviderName = "team";

    /// <summary>A transient failure (no connection, a timeout, HTTP 408, 429 or 5xx) is asked again once, this much later.</summary>
    private static readonly TimeSpan ProviderRetryDelay = TimeSpan.FromMilliseconds(500);

    /// <param name="services">The services.</param>
    /// <param name="oidc">The provider's settings.</param>
    /// <param name="externalUrl">
    /// <c>--external-url</c>: the redirect URI is fixed under it. Without one it is this gateway's address as the browser
    /// reached it (the request's, or the forwarded one behind <c>--trust-proxy</c>), which also holds with <c>--port 0</c>.
    /// </param>
    public static IServiceCollection AddIdentityProviderSignIn(this IServiceCollection services, OidcOptions oidc, Uri? externalUrl)
    {
        ArgumentNullException.ThrowIfNull(oidc);
        services.AddSingleton(oidc);
        services.AddSingleton(new IdentityProviderRules(IssuerText(oidc.Issuer), oidc.DisplayName, oidc.AdminValues, oidc.AllowedDomains));
        services.AddSingleton<IdentityProviderStatus>();
        services.AddHttpClient(IdentityProviderProbe.HttpClientName, http => http.Timeout = IdentityProviderProbe.RequestTimeout);
        services.AddHostedService<IdentityProviderProbe>();

        var registration = new OpenIddictClientRegistration
        {
            Issuer = oidc.Issuer,
            ProviderName = ProviderName,
            ProviderDisplayName = oidc.DisplayName,
            ClientId = oidc.ClientId,
            ClientSecret = oidc.ClientSecret,
            RedirectUri = externalUrl is null
                ? new Uri(OidcOptions.CallbackPath.TrimStart('/'), UriKind.Relative)
                : new Uri(externalUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + OidcOptions.CallbackPath),
        };
        registration.Scopes.UnionWith(oidc.Scopes);

        services.AddOpenIddict().AddClient(client =>
        {
            client.AllowAuthorizationCodeFlow();
            client.SetRedirectionEndpointUris(OidcOptions.CallbackPath.TrimStart('/'));
            client.UseDataProtection();

            // Nothing here is verified with these keys (state tokens are Data Protection payloads, the client has no
            // assertion to sign); OpenIddict wants a pair all the same.
            client.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
            client.UseAspNetCore()
                .EnableRedirectionEndpointPassthrough()
                .EnableErrorPassthrough()
                .DisableAutomaticAuthenticationSchemeForwarding()
                .DisableTransportSecurityRequirement();
            // OpenIddict's own pipeline asks a provider that does not answer five times over 15 seconds (and again on
            // a 404): a person who clicked "Sign in with ..." waited that long for the page that says it cannot be
            // reached. A sign-in is interactive, so one quick second try, each attempt bounded like the start's probe,
            // and never a provider's Retry-After, which could hold the click for minutes.
            client.UseSystemNetHttp().SetHttpResiliencePipeline(pipeline => pipeline
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 1,
                    Delay = ProviderRetryDelay,
                    BackoffType = DelayBackoffType.Constant,
                    UseJitter = false,
                    ShouldRetryAfterHeader = false,
                })
                .AddTimeout(IdentityProviderProbe.RequestTimeout));
            client.AddRegistration(registration);
        });

        // The cookie that binds the provider's answer to this browser: OpenIddict makes it SameSite=None and Secure (for
        // answers posted back across sites), which a browser drops on a plain-http gateway. The answer comes back as a
        // top-level redirect with the code in the query, which Lax cookies follow; Secure as the sign-in cookie is.
        services.Configure<OpenIddictClientAspNetCoreOptions>(aspNetCore =>
        {
            aspNetCore.CookieBuilder.SameSite = SameSiteMode.Lax;
            aspNetCore.CookieBuilder.SecurePolicy = externalUrl?.Scheme == Uri.UriSchemeHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }

    /// <summary>The issuer as provider users' subjects carry it: the URL without a trailing slash.</summary>
    public static string IssuerText(Uri issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return issuer.AbsoluteUri.TrimEnd('/');
    }
}
