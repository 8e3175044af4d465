using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Application.Users;
using OneMcp.Infrastructure.Identity.Oidc;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// <c>--enable-auth</c>: the gateway as an OAuth 2.1 authorization server (OpenIddict on the gateway's own
/// database) and as the resource server of <c>/mcp</c>, with the sign-in cookie, per-address rate limits on
/// everything a stranger can call, the sign-in throttle and, behind named proxies, their forwarded headers.
/// The host maps the endpoints (<see cref="GatewayAuthPaths"/>) and orders the middleware.
/// </summary>
public static class GatewayAuthenticationServiceCollectionExtensions
{
    // An address's failed sign-ins (any names) before it is refused: this many accounts' worth of lock-outs.
    private const int AddressFailuresPerAccountLockout = 4;

    /// <param name="services">The host's services.</param>
    /// <param name="options">The serve options.</param>
    /// <param name="rateLimitedPage">
    /// Writes the page a browser gets when a sign-in or authorization endpoint refuses it for too many requests (status
    /// and <c>Retry-After</c> set, given the wait); without it those answer the OAuth-style JSON error too.
    /// </param>
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services, ServeOptions options, Func<HttpContext, TimeSpan, Task>? rateLimitedPage = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limits = options.RateLimits;
        services.AddSingleton(sp => AuthSettings.Resolve(options, sp));
        services.AddSingleton<SessionOwners>();
        services.AddSingleton(sp => new SignInThrottle(sp.GetRequiredService<TimeProvider>(), ThrottleOptions(limits)));

        services.AddAuthentication(AuthSettings.CookieScheme)
            .AddCookie(AuthSettings.CookieScheme, cookie =>
            {
                cookie.Cookie.Name = AuthSettings.CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                // Behind a TLS-terminating proxy that is not named by --trust-proxy every request looks like plain http:
                // an https external URL is the operator's word that browsers reach the gateway over TLS only.
                cookie.Cookie.SecurePolicy = options.ExternalUrl?.Scheme == Uri.UriSchemeHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = GatewayAuthPaths.Login;
                cookie.LogoutPath = GatewayAuthPaths.Logout;
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.ExpireTimeSpan = CookieSessions.Lifetime;
                cookie.SlidingExpiration = true;
                cookie.Events.OnValidatePrincipal = CookieSessions.ValidateAsync;
                cookie.Events.OnSigningIn = CookieSessions.SigningInAsync;
            });

        services.AddOAuthServer(new OAuthServerOptions
        {
            AuthorizationPath = GatewayAuthPaths.Authorize,
            TokenPath = GatewayAuthPaths.Token,
            RevocationPath = GatewayAuthPaths.Revoke,
            RegistrationPath = GatewayAuthPaths.Register,
            AccessTokenLifetime = options.SessionTtl,
            Identity = sp => sp.GetRequiredService<AuthSettings>().ServerIdentity,
        });

        if (options.Oidc is { } oidc)
        {
            services.AddIdentityProviderSignIn(oidc, options.ExternalUrl);
        }

        services.AddRateLimiter(limiter => PerAddressRateLimits.Configure(limiter, limits, rateLimitedPage));

        if (options.TrustedProxies.Count > 0)
        {
            services.Configure<ForwardedHeadersOptions>(forwarded =>
            {
                forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
                foreach (var network in options.TrustedProxies)
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            });
        }

        return services;
    }

    /// <summary>
    /// The sign-in throttle from the rate-limit options. Defaults (OAuthRateLimits): a user name is locked for
    /// <c>LockoutDuration</c> (5 min) on one address after <c>MaxFailedSignIns</c> (5) failures from it; an address is
    /// refused for <c>Window</c> (15 min) after four times that many failures (20) within <c>Window</c>, whatever the names.
    /// </summary>
    internal static SignInThrottleOptions ThrottleOptions(OAuthRateLimits limits) => new()
    {
        MaxFailuresPerAccount = limits.MaxFailedSignIns,
        AccountLockout = limits.LockoutDuration,
        MaxFailuresPerAddress = limits.MaxFailedSignIns * AddressFailuresPerAccountLockout,
        AddressWindow = limits.Window,
        AddressLockout = limits.Window,
    };
}
