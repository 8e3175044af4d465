using OneMcp.Application.Users;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>A user as the authorization server sees them; null from the query when there is no such user.</summary>
/// <param name="Id">The user's id.</param>
/// <param name="UserName">Their name.</param>
/// <param name="Role">Their role.</param>
/// <param name="Disabled">Whether an administrator disabled them.</param>
/// <param name="PasswordStamp">Changes with their password (<see cref="Users.PasswordStamp"/>).</param>
/// <param name="IsExternal">Whether the identity provider vouches for them (their role and groups come from its sign-ins).</param>
public sealed record UserAccount(Guid Id, string UserName, UserRole Role, bool Disabled, string PasswordStamp, bool IsExternal)
{
    public bool IsAdmin => Role == UserRole.Admin;

    /// <summary>The user id as token subjects and consent requests carry it.</summary>
    public string Subject => Id.ToString("D");

    public string RoleText => UserRoles.ToText(Role);
}
