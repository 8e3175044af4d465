using System.Security.Claims;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Domain.Backends;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The identities the authorization and token endpoints hand to OpenIddict to sign in, in its claim conventions:
/// who (subject, name, role), what was granted (scopes, and the private <see cref="GrantClaims"/> that bound every
/// later refresh), for which resource; every claim goes into the access token only.
/// </summary>
public static class OAuthPrincipals
{
    /// <summary>The authentication scheme the endpoints sign these principals in with.</summary>
    public const string Scheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    /// <summary>
    /// The grant a user just gave on the consent page (or an administrator for them). A tag in <c>withheld</c> is one
    /// the grantor could not grant: a backend carrying one is never reached by this token family. A tag in
    /// <c>cleared</c> is one the user may not grant but an administrator's approval covered: a later refresh does not
    /// withhold it again (<see cref="Reissue"/>).
    /// </summary>
    public static ClaimsPrincipal ForConsent(
        UserAccount user, IReadOnlyList<string> granted, IReadOnlySet<Tag> withheld, bool offlineAccess, string resource, IReadOnlySet<Tag>? cleared = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(withheld);
        var identity = new ClaimsIdentity(Scheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject)
            .SetClaim(Claims.Name, user.UserName)
            .SetClaim(Claims.Role, user.RoleText)
            // Every refresh of this family stays within what was granted here, and within what its grantor could grant.
            .SetClaim(GrantClaims.GrantedScopes, string.Join(' ', granted));
        SetTags(identity, GrantClaims.WithheldTags, withheld);
        SetTags(identity, GrantClaims.ClearedTags, cleared ?? new HashSet<Tag>());

        identity.SetScopes(offlineAccess ? [.. granted, Scopes.OfflineAccess] : granted);
        identity.SetResources(resource);
        identity.SetDestinations(static _ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// The token a validated code or refresh token is exchanged for: the user's name and role read again (a change or
    /// a demotion applies from the next refresh), the scopes narrowed to <paramref name="narrowedTo"/> when a refresh
    /// names some, admin rights dropped as soon as the user is no administrator, and the tags the policies keep from the
    /// user now (<paramref name="withheldNow"/>) withheld as well, but those an administrator's approval cleared: a tag
    /// restricted after the grant stops it reaching a backend from the next refresh on. Null when the refresh asks for a
    /// scope the grant never held (<c>exceeding</c>).
    /// </summary>
    public static ClaimsPrincipal? Reissue(
        ClaimsPrincipal validated, UserAccount user, IReadOnlyCollection<string>? narrowedTo, IReadOnlySet<Tag> withheldNow, out string? exceeding)
    {
        ArgumentNullException.ThrowIfNull(validated);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(withheldNow);
        exceeding = null;
        var identity = new ClaimsIdentity(validated.Claims, Scheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Name, user.UserName).SetClaim(Claims.Role, user.RoleText);

        // Never fewer than before: a policy loosened since does not widen the family either.
        var withheld = TagsOf(identity.GetClaim(GrantClaims.WithheldTags));
        withheld.UnionWith(withheldNow.Except(TagsOf(identity.GetClaim(GrantClaims.ClearedTags))));
        SetTags(identity, GrantClaims.WithheldTags, withheld);
        if (narrowedTo is not null)
        {
            if (narrowedTo.Except(validated.GetScopes(), StringComparer.Ordinal).FirstOrDefault() is { } extra)
            {
                exceeding = extra;
                return null;
            }

            identity.SetScopes(narrowedTo);
        }

        // The GrantedScopes claim travels with the family, so a refresh naming fewer tags reaches no more than the
        // first grant did (TagGrant.FromToken). Admin rights leave the family as soon as its user is no admin.
        if (!user.IsAdmin && identity.HasScope(OAuthScopes.Admin))
        {
            identity.SetScopes(identity.GetScopes().Remove(OAuthScopes.Admin));
        }

        identity.SetDestinations(static _ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    private static void SetTags(ClaimsIdentity identity, string claim, IReadOnlySet<Tag> tags)
    {
        if (tags.Count > 0)
        {
            identity.SetClaim(claim, string.Join(' ', tags.Select(t => t.Value).Order(StringComparer.Ordinal)));
        }
    }

    private static HashSet<Tag> TagsOf(string? claim) =>
        [.. (claim ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => Tag.TryParse(t, out var tag, out _) ? tag : (Tag?)null).OfType<Tag>()];
}
