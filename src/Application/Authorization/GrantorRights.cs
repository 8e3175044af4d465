using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization;

/// <summary>
/// What one user may grant on the consent page. Tag-scope policies say who may grant each tag (everyone, administrators,
/// or named users and members of named groups of the identity provider); reach is per
/// backend, so a backend is within a user's gift only when they may grant every tag it carries — a member who may
/// grant <c>tag:db</c> does not thereby hand out a backend tagged <c>[db, prod]</c> when <c>prod</c> is kept to
/// administrators. Only administrators grant <see cref="OAuthScopes.Admin"/>.
/// </summary>
public sealed class GrantorRights
{
    private GrantorRights(bool isAdmin, IReadOnlySet<Tag> withheld)
    {
        IsAdmin = isAdmin;
        Withheld = withheld;
    }

    public bool IsAdmin { get; }

    /// <summary>The tags whose policy this user does not satisfy.</summary>
    public IReadOnlySet<Tag> Withheld { get; }

    /// <summary>
    /// The rights of one user under the stored tag-scope policies; <paramref name="groups"/> are the groups the
    /// identity provider named for them at their last sign-in (none for a local user).
    /// </summary>
    public static GrantorRights For(string userName, bool isAdmin, IReadOnlyCollection<string> groups, IEnumerable<TagScope> policies)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(policies);
        return new GrantorRights(isAdmin, policies.Where(p => !p.MayBeGrantedBy(userName, isAdmin, groups)).Select(p => p.Tag).ToHashSet());
    }

    /// <summary>
    /// The rights of a user under the tag-scope policies stored now, with the groups the identity provider named for them
    /// at their last sign-in.
    /// </summary>
    public static async Task<GrantorRights> LoadAsync(
        IUserRepository users, ITagScopeRepository tagScopes, string userName, bool isAdmin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(tagScopes);
        var groups = (await users.FindByNameAsync(userName, cancellationToken))?.Groups ?? [];
        return For(userName, isAdmin, groups, await tagScopes.ListAsync(cancellationToken));
    }

    /// <summary>Whether this user may grant the scope on their own (a tag scope whose tag they may grant, or the admin scope for an admin).</summary>
    public bool MayGrant(string scope) =>
        OAuthScopes.TryParseTag(scope, out var tag) ? !Withheld.Contains(tag) : scope == OAuthScopes.Admin && IsAdmin;

    /// <summary>Whether a backend with these tags is within this user's gift.</summary>
    public bool MayGrant(IReadOnlyCollection<Tag> backendTags) => Withheld.Count == 0 || !backendTags.Any(Withheld.Contains);

    /// <summary>
    /// The withheld tags a request for <paramref name="requestedScopes"/> involves: the requested tags this user may
    /// not grant and, under scope validation, those carried by the backends the request would reach. When there are
    /// any, an administrator decides the request instead of this user.
    /// </summary>
    public IReadOnlyList<Tag> WithheldFrom(
        IReadOnlyCollection<string> requestedScopes, IEnumerable<IReadOnlyCollection<Tag>> backends, ScopeMatch match, bool scopeValidation)
    {
        ArgumentNullException.ThrowIfNull(requestedScopes);
        ArgumentNullException.ThrowIfNull(backends);
        if (Withheld.Count == 0)
        {
            return [];
        }

        var involved = new HashSet<Tag>();
        foreach (var scope in requestedScopes)
        {
            if (OAuthScopes.TryParseTag(scope, out var tag) && Withheld.Contains(tag))
            {
                involved.Add(tag);
            }
        }

        if (scopeValidation)
        {
            var grant = TagGrant.FromScopes(requestedScopes, match);
            foreach (var tags in backends.Where(grant.Reaches))
            {
                involved.UnionWith(tags.Where(Withheld.Contains));
            }
        }

        return [.. involved.OrderBy(t => t.Value, StringComparer.Ordinal)];
    }
}
