using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization;
using OneMcp.Domain.Backends;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity;

/// <summary>The tag grant of the request's token under <c>--enable-scope-validation</c>; null when scopes do not limit it.</summary>
internal static class ScopeGrants
{
    public static bool ScopeValidation(HttpContext context) => context.RequestServices.GetService<AuthSettings>() is { ScopeValidation: true };

    /// <remarks>
    /// Only access tokens carry scopes: a user signed in to the dashboard (the cookie) is an operator and
    /// reads every backend.
    /// </remarks>
    public static TagGrant? For(HttpContext context)
    {
        var settings = context.RequestServices.GetService<AuthSettings>();
        var identity = context.User.Identity;
        if (settings is not { ScopeValidation: true } || identity?.IsAuthenticated != true || identity.AuthenticationType == AuthSettings.CookieScheme)
        {
            return null;
        }

        return TagGrant.FromToken(
            context.User.GetScopes(), context.User.GetClaim(GrantClaims.GrantedScopes), context.User.GetClaim(GrantClaims.WithheldTags), settings.ScopeMatch);
    }

    /// <summary>Whether a backend with these tags is within the request's grant (always, without scope validation).</summary>
    public static bool Reaches(HttpContext context, IEnumerable<string> backendTags)
    {
        var grant = For(context);
        return grant is null || grant.Reaches([.. backendTags.Select(Tag.From)]);
    }
}
