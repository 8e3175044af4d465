using OneMcp.Application.Users;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>A user as the authorization server sees them; null from the query when there is no such user.</summary>
public sealed record UserAccount(Guid Id, string UserName, UserRole Role, bool Disabled, string PasswordStamp)
{
    public bool IsAdmin => Role == UserRole.Admin;

    /// <summary>The user id as token subjects and consent requests carry it.</summary>
    public string Subject => Id.ToString("D");

    public string RoleText => UserRoles.ToText(Role);
}
