using OneMcp.Domain.Backends;

namespace OneMcp.Application.Authorization;

/// <summary>How granted tag scopes select backends (<c>--scope-match</c>).</summary>
public enum ScopeMatch
{
    /// <summary>A backend must carry every granted tag (what 1MCP's documentation promises).</summary>
    All,

    /// <summary>A backend carrying one granted tag is enough.</summary>
    Any,
}

/// <summary>
/// The tags an access token was granted (its <c>tag:</c> scopes) under scope validation, and the rule that
/// turns them into reachable backends. A grant without tags reaches nothing; an untagged backend is reached
/// by no grant.
/// </summary>
public sealed class TagGrant
{
    public TagGrant(IEnumerable<Tag> tags, ScopeMatch match)
    {
        ArgumentNullException.ThrowIfNull(tags);
        Tags = tags.ToHashSet();
        Match = match;
    }

    public IReadOnlySet<Tag> Tags { get; }

    public ScopeMatch Match { get; }

    /// <summary>The grant of a token's scopes: its <c>tag:</c> scopes, normalised; other scopes do not count.</summary>
    public static TagGrant FromScopes(IEnumerable<string> scopes, ScopeMatch match)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var tags = new List<Tag>();
        foreach (var scope in scopes)
        {
            if (OAuthScopes.TryParseTag(scope, out var tag))
            {
                tags.Add(tag);
            }
        }

        return new TagGrant(tags, match);
    }

    public bool Reaches(IReadOnlyCollection<Tag> backendTags)
    {
        ArgumentNullException.ThrowIfNull(backendTags);
        if (Tags.Count == 0 || backendTags.Count == 0)
        {
            return false;
        }

        return Match == ScopeMatch.All ? Tags.All(backendTags.Contains) : Tags.Any(backendTags.Contains);
    }

    /// <summary>The tags a request filter names that this grant does not hold (a filter may only narrow).</summary>
    public IReadOnlyList<Tag> Missing(IReadOnlySet<Tag> requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return [.. requested.Where(t => !Tags.Contains(t)).OrderBy(t => t.Value, StringComparer.Ordinal)];
    }
}
