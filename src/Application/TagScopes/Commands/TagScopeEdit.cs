using OneMcp.Domain.TagScopes;

namespace OneMcp.Application.TagScopes.Commands;

/// <summary>The body of <c>PUT /api/tag-scopes/{tag}</c>; a missing description leaves the current one.</summary>
public sealed record TagScopeEdit
{
    public string? Description { get; init; }

    public GrantPolicy? Policy { get; init; }

    public IReadOnlyList<string>? AllowedUsers { get; init; }

    /// <summary>Groups of the identity provider whose members may grant the tag (only with <see cref="GrantPolicy.NamedUsers"/>).</summary>
    public IReadOnlyList<string>? AllowedGroups { get; init; }
}
