using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Infrastructure.Identity;

/// <summary>What <c>--enable-auth</c> derives from the serve options: who issues tokens, for which resource.</summary>
public sealed record AuthSettings
{
    public const string CookieScheme = "OneMcp.Session";
    public const string CookieName = "onemcp_session";

    /// <summary>The issuer: the gateway's external URL, without a trailing slash.</summary>
    public required Uri Issuer { get; init; }

    /// <summary>The protected resource (RFC 8707 / RFC 9728): <c>&lt;external-url&gt;/mcp</c>; the tokens' audience.</summary>
    public required string Resource { get; init; }

    public required string ResourceMetadataUrl { get; init; }

    public required TimeSpan AccessTokenLifetime { get; init; }

    public bool ScopeValidation { get; init; }

    public ScopeMatch ScopeMatch { get; init; }

    public required OAuthRateLimits RateLimits { get; init; }

    /// <summary>Whether the sign-in page offers the user name and password form (off with <c>--disable-local-login</c>).</summary>
    public bool LocalLogin { get; init; } = true;

    public OAuthServerIdentity ServerIdentity => new(Issuer, Resource);

    /// <param name="options">The serve options.</param>
    /// <param name="publicUrl">The gateway's URL: the external URL, else the address it listens on.</param>
    public static AuthSettings From(ServeOptions options, Uri publicUrl)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(publicUrl);
        var issuer = publicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new AuthSettings
        {
            Issuer = new Uri(issuer),
            Resource = issuer + GatewayAuthPaths.Mcp,
            ResourceMetadataUrl = issuer + GatewayAuthPaths.ProtectedResourceMetadata + GatewayAuthPaths.Mcp,
            AccessTokenLifetime = options.SessionTtl,
            ScopeValidation = options.EnableScopeValidation,
            ScopeMatch = options.ScopeMatch,
            RateLimits = options.RateLimits,
            LocalLogin = !options.DisableLocalLogin,
        };
    }

    /// <summary>
    /// The settings once the gateway listens: with <c>--port 0</c> and no external URL, the issuer can only
    /// be known from the address actually bound (the options are resolved on the first request, after that).
    /// </summary>
    public static AuthSettings Resolve(ServeOptions options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ExternalUrl is not null || options.Port != 0)
        {
            return From(options, options.PublicUrl);
        }

        return From(options, BoundAddress.WithBoundPort(options.PublicUrl, services.GetRequiredService<IServer>()));
    }

    /// <summary>Plain http is fine on loopback; anywhere else it needs a TLS-terminating proxy in front.</summary>
    public static bool IsInsecureExposure(Uri publicUrl, IReadOnlyCollection<System.Net.IPNetwork> trustedProxies) =>
        publicUrl.Scheme == Uri.UriSchemeHttp && !publicUrl.IsLoopback && trustedProxies.Count == 0;
}
