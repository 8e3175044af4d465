using System.Text.Json.Serialization;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Application.Health.Queries;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Persistence;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace OneMcp.Api.Health;

/// <summary>
/// <c>/health</c>, <c>/health/live</c> and <c>/health/ready</c>: open to load balancers and monitors. With
/// <c>--enable-auth</c> an anonymous caller learns the status and how many backends are connected, never which
/// backends exist or why one fails (names and errors map the gateway's surroundings); the per-backend detail needs
/// the dashboard's sign-in cookie or a bearer token holding <see cref="Application.Authorization.OAuthScopes.Admin"/>.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/health").WithTags("Health");

        group.MapGet("", async (HttpContext context, IMediator mediator, CancellationToken ct) =>
        {
            var report = await mediator.Send(new GetHealthQuery(), ct);
            object body = await MaySeeDetailsAsync(context) ? report : HealthSummary.Of(report);
            return Results.Json(body, HealthJson.Options, statusCode: report.Status == HealthStatus.Unhealthy ? 503 : 200);
        });

        // Liveness: the process answers. Never depends on backends, so an orchestrator does not restart a
        // healthy gateway because a backend is down.
        group.MapGet("/live", () => Results.Json(new { status = "alive" }));

        // Not ready while the database cannot be reached either: the reason says so (never where the database is).
        group.MapGet("/ready", async (HttpContext context, IMediator mediator, DatabaseAvailability database, CancellationToken ct) =>
        {
            var report = await mediator.Send(new GetHealthQuery(), ct);
            var readiness = Readiness.Of(report, await MaySeeDetailsAsync(context), await database.ProbeAsync(ct));
            return Results.Json(readiness, HealthJson.Options, statusCode: readiness.Status == Readiness.Ready ? 200 : 503);
        });
    }

    /// <summary>
    /// Without auth, everyone (the gateway is a local tool). With it: a signed-in dashboard user (the cookie, which the
    /// authentication middleware has read), or a valid access token of this gateway that holds <see cref="Application.Authorization.OAuthScopes.Admin"/>;
    /// an MCP client's ordinary token is for tools, not for the map of the backends.
    /// </summary>
    private static async Task<bool> MaySeeDetailsAsync(HttpContext context)
    {
        if (context.RequestServices.GetService<AuthSettings>() is null)
        {
            return true;
        }

        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: AuthSettings.CookieScheme })
        {
            return true;
        }

        if (context.Request.Headers.Authorization.Count == 0)
        {
            return false;
        }

        var token = await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        return token.Succeeded && IsAdminToken(token.Principal);
    }

    /// <summary>Whether a validated access token holds the admin scope.</summary>
    public static bool IsAdminToken(System.Security.Claims.ClaimsPrincipal? principal) =>
        principal is not null && principal.HasScope(Application.Authorization.OAuthScopes.Admin);

    private static class HealthJson
    {
        public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
        };
    }
}
