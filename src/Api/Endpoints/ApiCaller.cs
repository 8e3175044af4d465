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

    /// <summary>Refuses the endpoint (403 ProblemDetails) to anyone but an administrator.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(static async (context, next) => IsAdmin(context.HttpContext)
            ? await next(context)
            : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "This action needs the admin role."))
            .ProducesProblem(StatusCodes.Status403Forbidden);
}
