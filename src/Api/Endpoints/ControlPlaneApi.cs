using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Endpoints;

/// <summary>The REST API under <c>/api</c>: JSON rules, error mapping, body limit, OpenAPI and the endpoints.</summary>
internal static class ControlPlaneApi
{
    public const string Prefix = "/api";

    public static IServiceCollection AddControlPlaneApi(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(o =>
        {
            // A misspelt field must fail loudly rather than be dropped (and leave a setting at its default).
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });

        // Malformed bodies surface as exceptions, so the one exception handler answers them too.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ApiProblemDetailsHandler>();
        services.AddOpenApi();
        services.AddHttpContextAccessor();
        services.AddSingleton<Application.Audit.ICurrentUser, HttpCurrentUser>();

        // The dashboard's changes made with the sign-in cookie carry this token (checked in BearerAuthentication).
        services.AddAntiforgery(o =>
        {
            o.HeaderName = Auth.BearerAuthentication.CsrfHeader;
            o.Cookie.Name = "onemcp_csrf";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }

    /// <summary>
    /// Error handling (exceptions, and ProblemDetails for bare error statuses such as 405 or 415), the body limit,
    /// and no caching (users, grants, backends' command lines: nothing of it belongs in a shared or disk cache), for
    /// <c>/api</c> requests only (MCP answers in JSON-RPC).
    /// </summary>
    public static IApplicationBuilder UseControlPlaneApi(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(Prefix),
            api => api.UseExceptionHandler().UseStatusCodePages().Use(NoStore).UseMiddleware<ApiRequestLimits>());

    private static Task NoStore(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers.CacheControl = "no-store";
        return next(context);
    }

    public static IEndpointRouteBuilder MapControlPlaneApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi();
        var api = endpoints.MapGroup(Prefix).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status500InternalServerError);
        api.MapSession();
        api.MapBackends();
        api.MapPresets();
        api.MapAuthorizationRequests();
        api.MapClients();
        api.MapTagScopes();
        api.MapUsers();
        api.MapAudit();
        api.MapConnections();
        return endpoints;
    }
}
