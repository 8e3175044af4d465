using OneMcp.Api.Auth;
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

    /// <summary>Administrators, and everyone when auth is off.</summary>
    public static bool IsAdmin(HttpContext context) =>
        AuthDisabled(context) || context.User.HasClaim(OpenIddictConstants.Claims.Role, UserRoles.Admin);

    /// <summary>The name recorded as who decided or changed something.</summary>
    public static string Actor(HttpContext context) => UserName(context) ?? "operator";

    /// <summary>Marks an endpoint for administrators only; <see cref="UseAdminOnly"/> refuses everyone else.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminOnly.Instance);

    /// <summary>
    /// After routing and before the endpoint binds its body: a member's change is refused with 403 whatever it
    /// sends, so no error about the body tells them anything and nothing is touched.
    /// </summary>
    public static IApplicationBuilder UseAdminOnly(this IApplicationBuilder app) =>
        app.Use(static async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<AdminOnly>() is not null && !IsAdmin(context))
            {
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "This action needs the admin role.")
                    .ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    private sealed class AdminOnly
    {
        public static readonly AdminOnly Instance = new();
    }
}
