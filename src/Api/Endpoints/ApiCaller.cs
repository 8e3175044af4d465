using OneMcp.Api.Auth;
using OneMcp.Application.Authorization;
using OneMcp.Application.Users;
using OpenIddict.Abstractions;

namespace OneMcp.Api.Endpoints;

/// <summary>Who is calling the REST API: a signed-in user (cookie or bearer token), or nobody when auth is off.</summary>
internal static class ApiCaller
{
    /// <summary>True when the gateway runs without <c>--enable-auth</c>: a single-user tool, every action open.</summary>
    public static bool AuthDisabled(HttpContext context) => context.RequestServices.GetService<AuthSettings>() is null;

    /// <summary>The caller's user id (the token or cookie subject); null when auth is off.</summary>
    public static string? Subject(HttpContext context) => context.User.GetClaim(OpenIddictConstants.Claims.Subject);

    public static string? UserName(HttpContext context) => context.User.GetClaim(OpenIddictConstants.Claims.Name);

    /// <summary>
    /// Administrators signed in to the dashboard, bearer tokens holding <see cref="OAuthScopes.Admin"/> of a user who
    /// is still an administrator, and everyone when auth is off. A token's user role alone is not enough: an
    /// administrator who approves an MCP client for tools gives it no admin rights.
    /// </summary>
    public static bool IsAdmin(HttpContext context) =>
        AuthDisabled(context)
        || (context.User.HasClaim(OpenIddictConstants.Claims.Role, UserRoles.Admin) && (ViaCookie(context) || context.User.HasScope(OAuthScopes.Admin)));

    /// <summary>Whether the caller is the dashboard's sign-in cookie rather than a bearer token.</summary>
    public static bool ViaCookie(HttpContext context) => context.User.Identity?.AuthenticationType == AuthSettings.CookieScheme;

    /// <summary>The name recorded as who decided or changed something.</summary>
    public static string Actor(HttpContext context) => UserName(context) ?? "operator";

    /// <summary>Marks an endpoint for administrators only; <see cref="UseAdminOnly"/> refuses everyone else.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminOnly.Instance);

    /// <summary>
    /// After routing and before the endpoint binds its body: a member's change is refused with 403 whatever it
    /// sends, so no error about the body tells them anything and nothing is touched. A bearer token changes
    /// nothing through the REST API without <see cref="OAuthScopes.Admin"/>, and is told which scope it lacks.
    /// </summary>
    public static IApplicationBuilder UseAdminOnly(this IApplicationBuilder app) =>
        app.Use(static async (context, next) =>
        {
            var adminOnly = context.GetEndpoint()?.Metadata.GetMetadata<AdminOnly>() is not null;
            var bearerChange = !AuthDisabled(context) && context.User.Identity?.IsAuthenticated == true && !ViaCookie(context)
                && context.Request.Path.StartsWithSegments(ControlPlaneApi.Prefix) && !IsSafe(context.Request.Method);
            if ((adminOnly || bearerChange) && !IsAdmin(context))
            {
                var detail = "This action needs the admin role.";
                if (!ViaCookie(context) && !AuthDisabled(context))
                {
                    // RFC 6750 §3.1: the token is valid but lacks the scope; name it, whatever the user's role.
                    context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{OAuthScopes.Admin}\"";
                    detail = $"This action needs an administrator's token holding the scope '{OAuthScopes.Admin}', or the dashboard's sign-in.";
                }

                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail).ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    private sealed class AdminOnly
    {
        public static readonly AdminOnly Instance = new();
    }
}
