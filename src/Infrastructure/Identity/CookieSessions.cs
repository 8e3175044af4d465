using System.Globalization;
using System.Security.Claims;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Application.Users;
using OneMcp.Domain.Users;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The dashboard's sign-in cookie lives for hours and carries the role it was issued with: on every request it
/// is checked against the stored user (<see cref="GetUserAccountQuery"/>), so a deleted or disabled user is signed out on their next request (as
/// their tokens are revoked), a changed role needs a new sign-in rather than keeping the old rights, and a changed
/// password ends every cookie issued before it (the cookie carries a <see cref="UserAccount.PasswordStamp"/>).
/// One user lookup per cookie request; only the dashboard uses the cookie. The cookie slides (each use within
/// <see cref="Lifetime"/> renews it), but a user of the identity provider must sign in there again
/// <see cref="Lifetime"/> after they did (ADR 0050): their role and groups are only as fresh as that sign-in.
/// </summary>
internal static class CookieSessions
{
    /// <summary>How long the cookie lasts unused, and a provider user's sign-in at most.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>The claim holding the password stamp of the user when the cookie was issued.</summary>
    public const string PasswordStampClaim = "onemcp_password_stamp";

    /// <summary>The claim holding when the user signed in (Unix seconds); renewals keep it.</summary>
    public const string SignedInAtClaim = "onemcp_signed_in_at";

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (principal is null
            || !Guid.TryParse(principal.GetClaim(OpenIddictConstants.Claims.Subject), out var id)
            || await FindAsync(context.HttpContext, id) is not { Disabled: false } user
            || principal.GetClaim(OpenIddictConstants.Claims.Role) != user.RoleText
            || principal.GetClaim(PasswordStampClaim) != user.PasswordStamp
            || (user.IsExternal && !SignedInWithin(principal, Lifetime, (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow())))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(AuthSettings.CookieScheme);
        }
    }

    /// <summary>
    /// Stamps every cookie as it is issued (the sign-in page's and a renewal alike) with the user's current password
    /// stamp; a cookie whose user cannot be found gets none and so is refused on its first request.
    /// </summary>
    public static async Task SigningInAsync(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        foreach (var stale in identity.FindAll(PasswordStampClaim).ToList())
        {
            identity.RemoveClaim(stale);
        }

        if (Guid.TryParse(identity.FindFirst(OpenIddictConstants.Claims.Subject)?.Value, out var id)
            && await FindAsync(context.HttpContext, id) is { } user)
        {
            identity.AddClaim(new Claim(PasswordStampClaim, user.PasswordStamp));
        }

        // A sign-in, not a renewal of one (which carries the claim already).
        if (identity.FindFirst(SignedInAtClaim) is null)
        {
            var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
            identity.AddClaim(new Claim(SignedInAtClaim, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        }
    }

    // A cookie from before the claim existed counts as too old.
    private static bool SignedInWithin(ClaimsPrincipal principal, TimeSpan lifetime, DateTimeOffset now) =>
        long.TryParse(principal.GetClaim(SignedInAtClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && DateTimeOffset.FromUnixTimeSeconds(seconds) + lifetime > now;

    /// <summary>
    /// After a user changed their own password with the sign-in cookie, issues that session a fresh cookie (with the
    /// new stamp): the session that made the change stays signed in, every other one ends. Does nothing for a bearer
    /// token (it carries no stamp) or when someone else's password was changed.
    /// </summary>
    public static async Task RenewAfterOwnPasswordChangeAsync(HttpContext context, string userName)
    {
        var principal = context.User;
        if (principal.FindFirst(PasswordStampClaim) is null
            || !string.Equals(principal.GetClaim(OpenIddictConstants.Claims.Name), userName, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        await context.SignInAsync(AuthSettings.CookieScheme, principal);
    }

    /// <summary>Signs a user in to the dashboard and the consent pages: a cookie saying who they are and their role.</summary>
    public static Task SignInAsync(HttpContext context, Guid userId, string userName, UserRole role)
    {
        var identity = new ClaimsIdentity(AuthSettings.CookieScheme, OpenIddictConstants.Claims.Name, OpenIddictConstants.Claims.Role);
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Subject, userId.ToString("D")));
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Name, userName));
        identity.AddClaim(new Claim(OpenIddictConstants.Claims.Role, UserRoles.ToText(role)));
        return context.SignInAsync(AuthSettings.CookieScheme, new ClaimsPrincipal(identity));
    }

    /// <summary>The enabled user of the sign-in cookie, or null (no cookie, or its user is gone or disabled).</summary>
    public static async Task<UserAccount?> SignedInUserAsync(HttpContext context)
    {
        var cookie = await context.AuthenticateAsync(AuthSettings.CookieScheme);
        return cookie.Succeeded && Guid.TryParse(cookie.Principal.GetClaim(OpenIddictConstants.Claims.Subject), out var id)
            && await FindAsync(context, id) is { Disabled: false } user
            ? user
            : null;
    }

    private static Task<UserAccount?> FindAsync(HttpContext context, Guid id) =>
        context.RequestServices.GetRequiredService<IMediator>().Send(new GetUserAccountQuery(id), context.RequestAborted);
}
