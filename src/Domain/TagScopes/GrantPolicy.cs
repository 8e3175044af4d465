namespace OneMcp.Domain.TagScopes;

/// <summary>Who may grant a tag scope on the consent page.</summary>
public enum GrantPolicy
{
    /// <summary>Any signed-in user (the default).</summary>
    AllUsers,
    /// <summary>Only administrators.</summary>
    AdminsOnly,
    /// <summary>
    /// Administrators, the users named in <see cref="TagScope.AllowedUsers"/> and the members of the identity provider's
    /// groups named in <see cref="TagScope.AllowedGroups"/>.
    /// </summary>
    NamedUsers,
}
