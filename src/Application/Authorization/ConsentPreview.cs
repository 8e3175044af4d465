using OneMcp.Domain.Backends;

namespace OneMcp.Application.Authorization;

/// <summary>
/// The servers and their tags, for the consent page's preview of what a selection reaches (under scope validation);
/// a server carrying a tag the user may not grant is never reached by their approval.
/// </summary>
public sealed record ConsentPreview(ScopeMatch Match, IReadOnlyList<(string Name, IReadOnlyList<string> Tags)> Servers, IReadOnlySet<Tag> Withheld)
{
    public IEnumerable<string> Reached(IEnumerable<string> scopes)
    {
        var grant = TagGrant.FromScopes(scopes, Match);
        return Servers.Where(s => !IsWithheld(s.Tags) && grant.Reaches([.. s.Tags.Select(Tag.From)])).Select(s => s.Name);
    }

    public bool IsWithheld(IReadOnlyList<string> tags) => tags.Any(t => Withheld.Contains(Tag.From(t)));
}
