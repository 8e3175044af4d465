using OneMcp.Domain.TagScopes;

namespace OneMcp.Application.TagScopes;

/// <summary>A tag scope as the dashboard shows it: the tag, which backends carry it and who may grant it.</summary>
public sealed record TagScopeView(
    string Tag, string Scope, string Description, IReadOnlyList<string> Backends, GrantPolicy Policy, IReadOnlyList<string> AllowedUsers,
    IReadOnlyList<string> AllowedGroups)
{
    /// <summary>A tag nobody decided anything about: open to every user, no description.</summary>
    public static TagScopeView Default(string tag, IReadOnlyList<string> backends) =>
        new(tag, TagScope.ScopePrefix + tag, string.Empty, backends, GrantPolicy.AllUsers, [], []);

    public static TagScopeView From(TagScope scope, IReadOnlyList<string> backends)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return new(scope.Tag.Value, scope.Scope, scope.Description, backends, scope.Policy, scope.AllowedUsers, scope.AllowedGroups);
    }
}
