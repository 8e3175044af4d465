using OneMcp.Domain.Backends;

namespace OneMcp.Application.Authorization;

/// <summary>
/// The tags an access token was granted (its <c>tag:</c> scopes) under scope validation, and the rule that
/// turns them into reachable backends. A grant without tags reaches nothing; an untagged backend is reached
/// by no grant.
/// </summary>
/// <remarks>
/// Reach is decided per backend, never by comparing tag sets: under <see cref="ScopeMatch.All"/> fewer tags
/// reach more backends, so a grant that was narrowed (a refresh asking for fewer scopes, a session that saw a
/// newer token) keeps every earlier grant as a bound and reaches only what each of them reaches. Tags the
/// granting user could not grant (<see cref="Withheld"/>) exclude every backend that carries one.
/// </remarks>
public sealed class TagGrant
{
    private readonly IReadOnlyList<IReadOnlySet<Tag>> _bounds;

    public TagGrant(IEnumerable<Tag> tags, ScopeMatch match)
        : this(tags, match, [], [])
    {
    }

    private TagGrant(IEnumerable<Tag> tags, ScopeMatch match, IReadOnlyList<IReadOnlySet<Tag>> bounds, IEnumerable<Tag> withheld)
    {
        ArgumentNullException.ThrowIfNull(tags);
        Tags = tags.ToHashSet();
        Match = match;
        _bounds = bounds;
        Withheld = withheld.ToHashSet();
    }

    /// <summary>The granted tags: what a request filter may name.</summary>
    public IReadOnlySet<Tag> Tags { get; }

    public ScopeMatch Match { get; }

    /// <summary>Tags the user who granted this could not grant: a backend carrying one of them is never reached.</summary>
    public IReadOnlySet<Tag> Withheld { get; }

    /// <summary>The grant of a token's scopes: its <c>tag:</c> scopes, normalised; other scopes do not count.</summary>
    public static TagGrant FromScopes(IEnumerable<string> scopes, ScopeMatch match) => new(TagsOf(scopes), match);

    /// <summary>
    /// The grant an access token carries: its scopes, bounded by the scopes first granted to its family
    /// (<see cref="GrantClaims.GrantedScopes"/>) and excluding the tags its grantor could not grant
    /// (<see cref="GrantClaims.WithheldTags"/>).
    /// </summary>
    public static TagGrant FromToken(IEnumerable<string> scopes, string? grantedScopes, string? withheldTags, ScopeMatch match)
    {
        IReadOnlyList<IReadOnlySet<Tag>> bounds = grantedScopes is null ? [] : [TagsOf(Split(grantedScopes)).ToHashSet()];
        var withheld = withheldTags is null ? [] : Split(withheldTags).Select(t => Tag.TryParse(t, out var tag, out _) ? tag : (Tag?)null).OfType<Tag>();
        return new TagGrant(TagsOf(scopes), match, bounds, withheld);
    }

    public bool Reaches(IReadOnlyCollection<Tag> backendTags)
    {
        ArgumentNullException.ThrowIfNull(backendTags);
        return ReachesBy(Tags, backendTags)
            && _bounds.All(bound => ReachesBy(bound, backendTags))
            && (Withheld.Count == 0 || !backendTags.Any(Withheld.Contains));
    }

    /// <summary>
    /// This grant, limited by <paramref name="earlier"/>: it reaches only what both reach and names only the tags
    /// both hold, so a session or a token family never widens, whatever tags a later token carries.
    /// </summary>
    public TagGrant Within(TagGrant earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new TagGrant(
            Tags.Intersect(earlier.Tags),
            Match,
            [.. _bounds, .. earlier._bounds, Tags, earlier.Tags],
            Withheld.Union(earlier.Withheld));
    }

    /// <summary>The tags a request filter names that this grant does not hold (a filter may only narrow).</summary>
    public IReadOnlyList<Tag> Missing(IReadOnlySet<Tag> requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return [.. requested.Where(t => !Tags.Contains(t)).OrderBy(t => t.Value, StringComparer.Ordinal)];
    }

    private bool ReachesBy(IReadOnlySet<Tag> granted, IReadOnlyCollection<Tag> backendTags)
    {
        if (granted.Count == 0 || backendTags.Count == 0)
        {
            return false;
        }

        return Match == ScopeMatch.All ? granted.All(backendTags.Contains) : granted.Any(backendTags.Contains);
    }

    private static IEnumerable<Tag> TagsOf(IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        foreach (var scope in scopes)
        {
            if (OAuthScopes.TryParseTag(scope, out var tag))
            {
                yield return tag;
            }
        }
    }

    private static string[] Split(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
