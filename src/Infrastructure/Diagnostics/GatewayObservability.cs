using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization;
using OneMcp.Application.Users;
using OneMcp.Infrastructure.Settings;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using OpenTelemetry.Trace;

namespace OneMcp.Infrastructure.Diagnostics;

/// <summary>
/// The HTTP side of traces and metrics (DESIGN §9, ADR 0014): incoming requests as spans, and <c>/metrics</c> with
/// <c>--metrics</c>. The meter, the sources and the OTLP export are registered by
/// <see cref="DiagnosticsServiceCollectionExtensions.AddGatewayDiagnostics"/>; the host only calls these two.
/// </summary>
public static class GatewayObservability
{
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The gateway's sources (<see cref="DiagnosticsServiceCollectionExtensions.AddGatewaySources"/>) and incoming HTTP
    /// requests, except those of the MCP endpoints (<paramref name="isMcpPath"/>): there the gateway's own span of the
    /// request is the server span, in the client's trace (<see cref="Application.Diagnostics.GatewayTelemetry.StartRequest"/>),
    /// and a second span of the same request per call only cost CPU and export (ADR 0014).
    /// </summary>
    public static TracerProviderBuilder AddGatewayInstrumentation(this TracerProviderBuilder tracing, Func<PathString, bool> isMcpPath)
    {
        ArgumentNullException.ThrowIfNull(isMcpPath);
        return tracing.AddGatewaySources().AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !isMcpPath(context.Request.Path));
    }

    public static void MapGatewayMetrics(this IEndpointRouteBuilder endpoints, ServeOptions options)
    {
        if (!options.Metrics)
        {
            return;
        }

        // Listening from the start: what happens before the first scrape counts too.
        _ = endpoints.ServiceProvider.GetRequiredService<PrometheusMetrics>();

        // Read once: a secret, never logged; hashed so the comparison below takes the same time whatever is sent.
        var token = options.MetricsToken is { Length: > 0 } configured ? SHA256.HashData(Encoding.UTF8.GetBytes(configured)) : null;
        endpoints.MapGet(MetricsPath, async (HttpContext context, PrometheusMetrics metrics) =>
        {
            if (options.EnableAuth && await RefuseAsync(context, token) is { } refusal)
            {
                return refusal;
            }

            return Results.Text(metrics.Scrape(), "text/plain; version=0.0.4; charset=utf-8");
        }).ExcludeFromDescription();
    }

    /// <summary>With auth on: the metrics token, or a gateway token of an administrator holding <c>onemcp:admin</c>.</summary>
    private static async Task<IResult?> RefuseAsync(HttpContext context, byte[]? metricsToken)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var bearer = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
        if (bearer is { Length: > 0 } && metricsToken is not null
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(bearer)), metricsToken))
        {
            return null;
        }

        var result = bearer is { Length: > 0 }
            ? await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            : null;
        if (result?.Principal is not { } principal)
        {
            context.Response.Headers.WWWAuthenticate = bearer is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "The metrics need an administrator's token holding the scope 'onemcp:admin', or the metrics token.");
        }

        context.User = principal;
        if (!AdminRights.IsAdmin(authEnabled: true, principal.HasClaim(OpenIddictConstants.Claims.Role, UserRoles.Admin), viaCookie: false, principal.HasScope(OAuthScopes.Admin)))
        {
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{OAuthScopes.Admin}\"";
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: $"The metrics need a token holding the scope '{OAuthScopes.Admin}'.");
        }

        return null;
    }
}
