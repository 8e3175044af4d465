using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Domain.TagScopes;

/// <summary>
/// The OAuth scope <c>tag:&lt;name&gt;</c> of one tag: its description and who may grant it. Tags come and go
/// with the backends that carry them; the scope keeps what an administrator decided about it.
/// </summary>
public sealed class TagScope : EditableAggregate
{
    public const int MaxDescriptionLength = 500;
    public const string ScopePrefix = "tag:";

    private TagScope(Tag tag, DateTimeOffset now)
        : base(Guid.NewGuid(), now)
    {
        Tag = tag;
        Description = string.Empty;
        Policy = GrantPolicy.AllUsers;
        AllowedUsers = [];
    }

    private TagScope(Guid id, Tag tag, string description, GrantPolicy policy, IReadOnlyList<string> allowedUsers, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt)
        : base(id, version, createdAt, updatedAt)
    {
        Tag = tag;
        Description = description;
        Policy = policy;
        AllowedUsers = allowedUsers;
    }

    public Tag Tag { get; }

    public string Scope => ScopePrefix + Tag.Value;

    public string Description { get; private set; }

    public GrantPolicy Policy { get; private set; }

    /// <summary>User names that may grant the tag under <see cref="GrantPolicy.NamedUsers"/> (sorted, distinct).</summary>
    public IReadOnlyList<string> AllowedUsers { get; private set; }

    public static TagScope Create(Tag tag, DateTimeOffset now) => new(tag, now);

    /// <summary>Rebuilds a stored tag scope; only repositories call this.</summary>
    internal static TagScope Restore(Guid id, Tag tag, string description, GrantPolicy policy, IReadOnlyList<string> allowedUsers, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, tag, description, policy, allowedUsers, version, createdAt, updatedAt);

    public void Describe(string description, DateTimeOffset now)
    {
        var trimmed = description.Trim();
        if (trimmed.Length > MaxDescriptionLength)
        {
            throw new DomainException("tag_scope.description_too_long", $"A tag description must be at most {MaxDescriptionLength} characters.");
        }

        Touch(() => Description = trimmed, now);
    }

    public void OpenToAllUsers(DateTimeOffset now) => Touch(() => (Policy, AllowedUsers) = (GrantPolicy.AllUsers, []), now);

    public void RestrictToAdmins(DateTimeOffset now) => Touch(() => (Policy, AllowedUsers) = (GrantPolicy.AdminsOnly, []), now);

    public void RestrictToUsers(IEnumerable<string> userNames, DateTimeOffset now)
    {
        var users = userNames.Select(u => u.Trim()).Where(u => u.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray();
        if (users.Length == 0)
        {
            throw new DomainException("tag_scope.no_users", "Name at least one user who may grant this tag, or restrict it to administrators.");
        }

        Touch(() => (Policy, AllowedUsers) = (GrantPolicy.NamedUsers, users), now);
    }

    /// <summary>Whether a signed-in user may grant this tag to a client on their own.</summary>
    public bool MayBeGrantedBy(string userName, bool isAdmin) => Policy switch
    {
        GrantPolicy.AllUsers => true,
        GrantPolicy.AdminsOnly => isAdmin,
        GrantPolicy.NamedUsers => isAdmin || AllowedUsers.Contains(userName, StringComparer.OrdinalIgnoreCase),
        _ => false,
    };
}
