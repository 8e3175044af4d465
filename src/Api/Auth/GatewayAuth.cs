using OneMcp.Infrastructure.Settings;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using OneMcp.Api.Http;
using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using OneMcp.Application.Users;
using OneMcp.Infrastructure.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Api.Auth;

/// <summary>
/// <c>--enable-auth</c>: the gateway as an OAuth 2.1 authorization server (OpenIddict on the gateway's own
/// database) and as the resource server of <c>/mcp</c>, with the sign-in and consent pages, dynamic client
/// registration, the RFC 9728 metadata and per-address rate limits on everything a stranger can call.
/// </summary>
internal static partial class GatewayAuth
{
    public const string ProtectedResourceMetadataPath = "/.well-known/oauth-protected-resource";

    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    private const string RevocationPath = "/revoke";

    // An address's failed sign-ins (any names) before it is refused: this many accounts' worth of lock-outs.
    private const int AddressFailuresPerAccountLockout = 4;

    // The endpoints a stranger can call, as mapped (lower case); each names its partitions (see Partition).
    private static readonly string[] LimitedPaths = [AuthorizeEndpoint.Path, TokenEndpoint.Path, RegistrationEndpoint.Path, RevocationPath, LoginEndpoints.LoginPath];

    public static IServiceCollection AddGatewayAuth(this IServiceCollection services, ServeOptions options)
    {
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
                cookie.LoginPath = LoginEndpoints.LoginPath;
                cookie.LogoutPath = LoginEndpoints.LogoutPath;
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
                cookie.Events.OnValidatePrincipal = CookieSessions.ValidateAsync;
                cookie.Events.OnSigningIn = CookieSessions.SigningInAsync;
            });

        services.AddOAuthServer(new OAuthServerOptions
        {
            AuthorizationPath = AuthorizeEndpoint.Path,
            TokenPath = TokenEndpoint.Path,
            RevocationPath = RevocationPath,
            RegistrationPath = RegistrationEndpoint.Path,
            AccessTokenLifetime = options.SessionTtl,
            Identity = sp => sp.GetRequiredService<AuthSettings>().ServerIdentity,
        });

        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limits.Window;
                response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await response.WriteAsJsonAsync(
                    new Dictionary<string, string> { ["error"] = "rate_limited", ["error_description"] = "Too many requests from this address; try again later." },
                    cancellationToken);
            };
        });

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

        app.UseRateLimiter();

        // The authentication middleware asks OpenIddict's server and validation handlers on every request whether
        // it is one of their endpoints, and reads the sign-in cookie: work the MCP endpoints never need (they take
        // bearer tokens only, validated and cached by BearerAuthentication), and about a sixth of the gateway's
        // CPU per tool call under load (ADR 0010, docs/benchmarks.md).
        app.UseWhen(context => !JsonRpcErrors.IsMcpPath(context.Request.Path), branch => branch.UseAuthentication());

        // WebApplication puts an unconditional UseAuthentication() in front of the pipeline when its top level has
        // none (the branch's marks its own copy of the properties): this key, the one UseAuthentication() sets, says there is one.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        app.UseMiddleware<BearerAuthentication>();
    }

    public static void MapGatewayAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(ProtectedResourceMetadataPath, ProtectedResourceMetadata);
        endpoints.MapGet(ProtectedResourceMetadataPath + Http.GatewayRoutes.Mcp, ProtectedResourceMetadata);
        endpoints.MapGet(AuthPages.ConsentScriptPath, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Text(AuthPages.ConsentScript, "text/javascript; charset=utf-8");
        });
        endpoints.MapLogin();
        endpoints.MapAuthorize();
        endpoints.MapToken();
        endpoints.MapRegistration();
    }

    // RFC 9728: where MCP clients learn which authorization server issues tokens for /mcp.
    private static IResult ProtectedResourceMetadata(AuthSettings settings, IBackendPool pool)
    {
        var document = new JsonObject
        {
            ["resource"] = settings.Resource,
            // Exactly the issuer of the authorization server's metadata (RFC 8414 §3.3 has clients compare them).
            ["authorization_servers"] = new JsonArray(settings.Issuer.AbsoluteUri),
            ["scopes_supported"] = new JsonArray([.. OAuthScopes.Current(pool).Append(Scopes.OfflineAccess).Select(s => (JsonNode)s)]),
            ["bearer_methods_supported"] = new JsonArray("header"),
            ["resource_name"] = "OneMcp",
        };
        return Results.Text(document.ToJsonString(), "application/json");
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

    private static RateLimitPartition<string> Partition(HttpContext context, OAuthRateLimits limits)
    {
        // The limiter runs before routing and before OpenIddict, so it cannot ask either which endpoint a request is
        // for: it matches the path the way both of them do instead (see LimitedEndpoint). Every spelling that reaches
        // an endpoint shares that endpoint's partition; one that reaches none is a 404, limited or not.
        var endpoint = LimitedEndpoint(context.Request.Path.Value);
        if (endpoint is null)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var address = ClientAddress.Key(context);
        if (endpoint == LoginEndpoints.LoginPath)
        {
            return HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter("signin:" + address, _ => Window(limits.SignInPermitsPerWindow, limits.Window))
                : RateLimitPartition.GetNoLimiter(string.Empty);
        }

        return RateLimitPartition.GetFixedWindowLimiter(endpoint + ":" + address, _ => Window(limits.PermitsPerWindow, limits.Window));
    }

    /// <summary>
    /// The limited endpoint (its path as mapped) that a request path spells, or null. At least as forgiving as anything
    /// that could route a request to one: routing ignores case and a trailing slash, OpenIddict ignores case and one
    /// trailing slash, and Kestrel has already decoded the percent-encodings (all but <c>%2F</c>) and removed dot
    /// segments. This also decodes what is left and ignores repeated slashes: a spelling no endpoint answers (a 404)
    /// then counts against a limit it did not need to, which costs nothing. Allocation-free unless the path still
    /// holds a <c>%</c>: it runs on every request, the MCP ones included.
    /// </summary>
    internal static string? LimitedEndpoint(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (path.Contains('%', StringComparison.Ordinal))
        {
            path = Uri.UnescapeDataString(path);
        }

        foreach (var endpoint in LimitedPaths)
        {
            if (Spells(path, endpoint))
            {
                return endpoint;
            }
        }

        return null;
    }

    // Case-insensitive, runs of slashes count as one, trailing slashes ignored; endpoint is lower case ("/token").
    private static bool Spells(string path, string endpoint)
    {
        var matched = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '/' && i > 0 && path[i - 1] == '/')
            {
                continue;
            }

            if (matched == endpoint.Length)
            {
                if (c != '/')
                {
                    return false;
                }

                continue;
            }

            if (char.ToLowerInvariant(c) != endpoint[matched])
            {
                return false;
            }

            matched++;
        }

        return matched == endpoint.Length;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) =>
        new() { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication is on, but the gateway is reached over plain http at {Issuer}: tokens and passwords cross the network unencrypted. Put a TLS-terminating proxy in front (--external-url https://..., --trust-proxy <address>), or bind to loopback.")]
    private static partial void LogInsecureExposure(ILogger logger, Uri issuer);
}
