using OneMcp.Api.Http;
using OneMcp.Application.Backends;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Api.Auth;

/// <summary>
/// <c>--enable-auth</c> on the HTTP surface: the middleware order in front of the endpoints, and the sign-in and
/// consent pages, OAuth endpoints and RFC 9728 metadata mapped at <see cref="GatewayAuthPaths"/>. The services
/// (cookie, OpenIddict, rate limits, forwarded headers) are registered by <c>AddGatewayAuth</c> in Infrastructure.
/// </summary>
internal static partial class GatewayAuth
{
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    /// <summary>Forwarded headers (from trusted proxies only), rate limits, then the token and cookie checks.</summary>
    public static void UseGatewayAuth(this WebApplication app, ServeOptions options)
    {
        if (AuthSettings.IsInsecureExposure(options.PublicUrl, options.TrustedProxies))
        {
            LogInsecureExposure(app.Logger, options.PublicUrl);
        }

        if (options.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        // The rate limits guard the endpoints a stranger can call, none of them an MCP endpoint; the limiter's
        // partition lookup takes a lock on every request it sees, so the MCP endpoints do not pass through it.
        // The authentication middleware asks OpenIddict's server and validation handlers on every request whether
        // it is one of their endpoints, and reads the sign-in cookie: work the MCP endpoints never need (they take
        // bearer tokens only, validated and cached by BearerAuthentication), and about a sixth of the gateway's
        // CPU per tool call under load (ADR 0010, docs/benchmarks.md).
        app.UseWhen(context => !JsonRpcErrors.IsMcpPath(context.Request.Path), branch => branch.UseRateLimiter().UseAuthentication());

        // WebApplication puts an unconditional UseAuthentication() in front of the pipeline when its top level has
        // none (the branch's marks its own copy of the properties): this key, the one UseAuthentication() sets, says there is one.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        app.UseMiddleware<BearerAuthentication>();
    }

    public static void MapGatewayAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(GatewayAuthPaths.ProtectedResourceMetadata, ProtectedResourceMetadata);
        endpoints.MapGet(GatewayAuthPaths.ProtectedResourceMetadata + GatewayRoutes.Mcp, ProtectedResourceMetadata);
        endpoints.MapGet(AuthPages.ConsentScriptPath, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            return Results.Text(AuthPages.ConsentScript, "text/javascript; charset=utf-8");
        });
        endpoints.MapLogin();
        if (endpoints.ServiceProvider.GetService<OidcOptions>() is not null)
        {
            endpoints.MapIdentityProviderSignIn();
        }

        endpoints.MapAuthorize();
        endpoints.MapToken();
        endpoints.MapRegistration();
    }

    // RFC 9728: where MCP clients learn which authorization server issues tokens for /mcp.
    private static IResult ProtectedResourceMetadata(AuthSettings settings, IBackendPool pool) =>
        Results.Text(Infrastructure.Identity.ProtectedResourceMetadata.Document(settings, pool).ToJsonString(), "application/json");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication is on, but the gateway is reached over plain http at {Issuer}: tokens and passwords cross the network unencrypted. Put a TLS-terminating proxy in front (--external-url https://..., --trust-proxy <address>), or bind to loopback.")]
    private static partial void LogInsecureExposure(ILogger logger, Uri issuer);
}
