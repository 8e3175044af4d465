using Microsoft.AspNetCore.Cors.Infrastructure;
using OneMcp.Api.Http;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Security;

/// <summary>
/// The OAuth endpoints a client running in a web page (the MCP Inspector, for one) calls with <c>fetch</c> from its
/// own origin: the discovery documents, the public keys, registration, token and revocation. There any Origin is
/// accepted and the answers may be read cross-origin (<c>Access-Control-Allow-Origin: *</c>, never with credentials),
/// preflights included. They take no cookie and change nothing a foreign page could not change by calling them from
/// anywhere else. Every other path (the authorization endpoint, the sign-in and consent pages, the dashboard, the
/// REST API and the MCP endpoints) keeps the gateway's own-origin rule, and the Host rule holds everywhere (ADR 0046).
/// </summary>
internal static class OAuthCrossOrigin
{
    private const string PolicyName = "oauth-cross-origin";

    // Each with whatever follows it as path segments: a client probing a path-suffixed variant
    // (RFC 8414 §3.1, RFC 9728 §3.1) must be able to read the 404 and try the next one.
    private static readonly PathString[] Paths =
    [
        GatewayAuthPaths.AuthorizationServerMetadata, GatewayAuthPaths.OpenIdConfiguration, GatewayAuthPaths.ProtectedResourceMetadata,
        GatewayAuthPaths.Jwks, GatewayAuthPaths.Register, GatewayAuthPaths.Token, GatewayAuthPaths.Revoke,
    ];

    /// <summary>Whether a request to <paramref name="path"/> is served to a page of any origin.</summary>
    public static bool AcceptsAnyOrigin(PathString path)
    {
        foreach (var open in Paths)
        {
            if (path.StartsWithSegments(open, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static IServiceCollection AddOAuthCrossOrigin(this IServiceCollection services) =>
        services.AddCors(cors => cors.AddPolicy(PolicyName, new CorsPolicyBuilder()
            .AllowAnyOrigin()
            .WithMethods(HttpMethods.Get, HttpMethods.Post)

            // Client authentication (client_secret_basic), JSON registration, and the header MCP clients send on discovery.
            .WithHeaders("Authorization", "Content-Type", McpHeaders.ProtocolVersion)
            .WithExposedHeaders("WWW-Authenticate")
            .SetPreflightMaxAge(TimeSpan.FromHours(1))
            .Build()));

    /// <summary>Answers the preflights of <see cref="AcceptsAnyOrigin"/>'s paths and marks their answers readable by any origin.</summary>
    public static IApplicationBuilder UseOAuthCrossOrigin(this IApplicationBuilder app) =>
        app.UseWhen(IsCrossOriginRequest, branch => branch.UseCors(PolicyName));

    // Without an Origin there is nothing for CORS to do: the MCP clients' requests pass without a look at the path.
    private static bool IsCrossOriginRequest(HttpContext context) =>
        context.Request.Headers.Origin.Count > 0 && AcceptsAnyOrigin(context.Request.Path);
}
