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
    public const int MaxGroupLength = 128;
    public const int MaxGroups = 100;
    public const string ScopePrefix = "tag:";

    private TagScope(Tag tag, DateTimeOffset now)
        : base(Guid.NewGuid(), now)
    {
        Tag = tag;
        Description = string.Empty;
        Policy = GrantPolicy.AllUsers;
        AllowedUsers = [];
        AllowedGroups = [];
    }

    private TagScope(
        Guid id, Tag tag, string description, GrantPolicy policy, IReadOnlyList<string> allowedUsers, IReadOnlyList<string> allowedGroups, int version,
        DateTimeOffset createdAt, DateTimeOffset updatedAt)
        : base(id, version, createdAt, updatedAt)
    {
        Tag = tag;
        Description = description;
        Policy = policy;
        AllowedUsers = allowedUsers;
        AllowedGroups = allowedGroups;
    }

    public Tag Tag { get; }

    public string Scope => ScopePrefix + Tag.Value;

    public string Description { get; private set; }

    public GrantPolicy Policy { get; private set; }

    /// <summary>User names that may grant the tag under <see cref="GrantPolicy.NamedUsers"/> (sorted, distinct).</summary>
    public IReadOnlyList<string> AllowedUsers { get; private set; }

    /// <summary>
    /// Groups of the identity provider whose members may grant the tag under <see cref="GrantPolicy.NamedUsers"/>
    /// (trimmed, sorted, distinct; compared case-sensitively, as providers send them).
    /// </summary>
    public IReadOnlyList<string> AllowedGroups { get; private set; }

    public static TagScope Create(Tag tag, DateTimeOffset now) => new(tag, now);

    /// <summary>Rebuilds a stored tag scope; only repositories call this.</summary>
    internal static TagScope Restore(
        Guid id, Tag tag, string description, GrantPolicy policy, IReadOnlyList<string> allowedUsers, IReadOnlyList<string> allowedGroups, int version,
        DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, tag, description, policy, allowedUsers, allowedGroups, version, createdAt, updatedAt);

    /// <summary>Whether a group name may be named in a policy: 1 to <see cref="MaxGroupLength"/> characters once trimmed, no control characters.</summary>
    public static bool IsValidGroupName(string? group) =>
        group?.Trim() is { Length: > 0 and <= MaxGroupLength } trimmed && !trimmed.Any(char.IsControl);

    public void Describe(string description, DateTimeOffset now)
    {
        var trimmed = description.Trim();
        if (trimmed.Length > MaxDescriptionLength)
        {
            throw new DomainException("tag_scope.description_too_long", $"A tag description must be at most {MaxDescriptionLength} characters.");
        }

        Touch(() => Description = trimmed, now);
    }

    public void OpenToAllUsers(DateTimeOffset now) => Touch(() => (Policy, AllowedUsers, AllowedGroups) = (GrantPolicy.AllUsers, [], []), now);

    public void RestrictToAdmins(DateTimeOffset now) => Touch(() => (Policy, AllowedUsers, AllowedGroups) = (GrantPolicy.AdminsOnly, [], []), now);

    /// <summary>Administrators, the named users and the members of the named groups of the identity provider may grant the tag.</summary>
    public void RestrictToUsers(IEnumerable<string> userNames, IEnumerable<string> groups, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(userNames);
        ArgumentNullException.ThrowIfNull(groups);
        var users = userNames.Select(u => u.Trim()).Where(u => u.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray();
        var named = groups.Select(g => g.Trim()).Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (users.Length == 0 && named.Length == 0)
        {
            throw new DomainException("tag_scope.no_users", "Name at least one user or group who may grant this tag, or restrict it to administrators.");
        }

        if (named.Length > MaxGroups || !named.All(IsValidGroupName))
        {
            throw new DomainException(
                "tag_scope.invalid_group", $"A policy names at most {MaxGroups} groups, each of 1 to {MaxGroupLength} characters without control characters.");
        }

        Touch(() => (Policy, AllowedUsers, AllowedGroups) = (GrantPolicy.NamedUsers, users, named), now);
    }

    /// <summary>
    /// The user is gone: their name leaves <see cref="AllowedUsers"/>, so that whoever gets the name next (a new user, a
    /// provider's next first sign-in) does not inherit the right. A policy left naming nobody keeps the tag to
    /// administrators rather than opening it to everyone. True when the policy named them.
    /// </summary>
    public bool ForgetUser(string userName, DateTimeOffset now)
    {
        if (Policy != GrantPolicy.NamedUsers || !AllowedUsers.Contains(userName, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        var remaining = AllowedUsers.Where(u => !string.Equals(u, userName, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (remaining.Length == 0 && AllowedGroups.Count == 0)
        {
            RestrictToAdmins(now);
        }
        else
        {
            RestrictToUsers(remaining, AllowedGroups, now);
        }

        return true;
    }

    /// <summary>
    /// Whether a signed-in user may grant this tag to a client on their own; <paramref name="groups"/> are the groups
    /// the identity provider named for them (none for a local user).
    /// </summary>
    public bool MayBeGrantedBy(string userName, bool isAdmin, IReadOnlyCollection<string> groups) => Policy switch
    {
        GrantPolicy.AllUsers => true,
        GrantPolicy.AdminsOnly => isAdmin,
        GrantPolicy.NamedUsers => isAdmin
            || AllowedUsers.Contains(userName, StringComparer.OrdinalIgnoreCase)
            || (groups is { Count: > 0 } && AllowedGroups.Any(g => groups.Contains(g, StringComparer.Ordinal))),
        _ => false,
    };
}
