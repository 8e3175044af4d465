using OneMcp.Application.Authorization;
using OneMcp.Application.Users;
using OneMcp.Infrastructure.Identity;
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

    /// <summary>Whether the caller administers the gateway (<see cref="AdminRights.IsAdmin"/>).</summary>
    public static bool IsAdmin(HttpContext context) => AdminRights.IsAdmin(
        !AuthDisabled(context), context.User.HasClaim(OpenIddictConstants.Claims.Role, UserRoles.Admin), ViaCookie(context), context.User.HasScope(OAuthScopes.Admin));

    /// <summary>Whether the caller is the dashboard's sign-in cookie rather than a bearer token.</summary>
    public static bool ViaCookie(HttpContext context) => context.User.Identity?.AuthenticationType == AuthSettings.CookieScheme;

    /// <summary>
    /// Whose rows a list shows: null (everyone's) for an administrator, else the caller's subject. A signed-in member
    /// without a subject cannot happen; were it to, they would see nothing rather than everything.
    /// </summary>
    public static string? OwnOnly(HttpContext context) => IsAdmin(context) ? null : Subject(context) ?? string.Empty;

    /// <summary>The name recorded as who decided or changed something.</summary>
    public static string Actor(HttpContext context) => UserName(context) ?? "operator";
}
