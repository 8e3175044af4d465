namespace OneMcp.Domain.Users;

/// <summary>
/// The gateway always keeps an enabled administrator: the last one can be neither removed, demoted nor disabled.
/// A change that <see cref="TakesAnAdminAway(User, UserRole, bool)"/> is checked against every user with
/// <see cref="EnsureAnotherAdminRemains"/>; any other change needs no look at the others.
/// </summary>
public static class LastAdminRule
{
    /// <summary>Whether giving <paramref name="user"/> this role and state takes an enabled administrator away.</summary>
    public static bool TakesAnAdminAway(User user, UserRole role, bool disabled)
    {
        ArgumentNullException.ThrowIfNull(user);
        return IsEnabledAdmin(user) && (role != UserRole.Admin || disabled);
    }

    /// <summary>Whether removing <paramref name="user"/> takes an enabled administrator away.</summary>
    public static bool TakesAnAdminAway(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return IsEnabledAdmin(user);
    }

    /// <summary>
    /// Throws <see cref="LastAdminException"/> unless another enabled administrator than <paramref name="user"/>
    /// is among <paramref name="users"/>.
    /// </summary>
    public static void EnsureAnotherAdminRemains(User user, IEnumerable<User> users)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(users);
        if (!users.Any(u => u.Id != user.Id && IsEnabledAdmin(u)))
        {
            throw new LastAdminException(user.UserName);
        }
    }

    private static bool IsEnabledAdmin(User user) => user.IsAdmin && !user.Disabled;
}
