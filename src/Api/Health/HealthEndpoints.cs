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
/// the dashboard's sign-in cookie (a member's with the errors cut as for the backend list) or a bearer token holding
/// <see cref="Application.Authorization.OAuthScopes.Admin"/>.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        // What /health and /health/ready answer depends on who asks (a sign-in cookie or an admin token reads every backend
        // and its error, as the REST API does): no cache, the browser's or a proxy's, may keep one caller's answer for the next.
        var group = endpoints.MapGroup("/health").WithTags("Health").AddEndpointFilter(static (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return next(context);
        });

        group.MapGet("", async (HttpContext context, IMediator mediator, CancellationToken ct) =>
        {
            var detail = await DetailForAsync(context);
            var report = await mediator.Send(new GetHealthQuery { ForMember = detail == Detail.Member }, ct);
            object body = detail == Detail.None ? HealthSummary.Of(report) : report;
            return Results.Json(body, HealthJson.Options, statusCode: report.Status == HealthStatus.Unhealthy ? 503 : 200);
        });

        // Liveness: the process answers. Never depends on backends, so an orchestrator does not restart a
        // healthy gateway because a backend is down.
        group.MapGet("/live", () => Results.Json(new { status = "alive" }));

        // Not ready while the database cannot be reached either: the reason says so (never where the database is).
        group.MapGet("/ready", async (HttpContext context, IMediator mediator, DatabaseAvailability database, CancellationToken ct) =>
        {
            var detail = await DetailForAsync(context);
            var report = await mediator.Send(new GetHealthQuery { ForMember = detail == Detail.Member }, ct);
            var readiness = Readiness.Of(report, detail != Detail.None, await database.ReadinessProbeAsync(ct));
            return Results.Json(readiness, HealthJson.Options, statusCode: readiness.Status == Readiness.Ready ? 200 : 503);
        });
    }

    /// <summary>How much of the backends a caller sees.</summary>
    private enum Detail
    {
        /// <summary>The status and the counts only.</summary>
        None,

        /// <summary>Every backend, with the errors a member may read (<see cref="Application.Backends.BackendErrorRedaction"/>).</summary>
        Member,

        /// <summary>Every backend as it is.</summary>
        Full,
    }

    /// <summary>
    /// Without auth, everyone sees everything (the gateway is a local tool). With it: a signed-in dashboard user (the
    /// cookie, which the authentication middleware has read) sees every backend, a member with the errors cut as the
    /// backend list cuts them for members; a valid access token of this gateway that holds
    /// <see cref="Application.Authorization.OAuthScopes.Admin"/> sees everything. An MCP client's ordinary token is for
    /// tools, not for the map of the backends.
    /// </summary>
    private static async Task<Detail> DetailForAsync(HttpContext context)
    {
        if (context.RequestServices.GetService<AuthSettings>() is null)
        {
            return Detail.Full;
        }

        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: AuthSettings.CookieScheme })
        {
            return Endpoints.ApiCaller.IsAdmin(context) ? Detail.Full : Detail.Member;
        }

        if (context.Request.Headers.Authorization.Count == 0)
        {
            return Detail.None;
        }

        var token = await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        return token.Succeeded && IsAdminToken(token.Principal) ? Detail.Full : Detail.None;
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
