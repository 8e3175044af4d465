using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using OneMcp.Application.Users;
using OneMcp.Domain.Users;
using OpenIddict.Abstractions;

namespace OneMcp.Api.Auth;

/// <summary>
/// The dashboard's sign-in cookie lives for hours and carries the role it was issued with: on every request it
/// is checked against the stored user, so a deleted or disabled user is signed out on their next request (as
/// their tokens are revoked), and a changed role needs a new sign-in rather than keeping the old rights.
/// One user lookup per cookie request; only the dashboard uses the cookie.
/// </summary>
internal static class CookieSessions
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var users = context.HttpContext.RequestServices.GetRequiredService<IUserRepository>();
        if (principal is null
            || !Guid.TryParse(principal.GetClaim(OpenIddictConstants.Claims.Subject), out var id)
            || await users.FindByIdAsync(id, context.HttpContext.RequestAborted) is not { Disabled: false } user
            || principal.GetClaim(OpenIddictConstants.Claims.Role) != UserRoles.ToText(user.Role))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(AuthSettings.CookieScheme);
        }
    }
}
