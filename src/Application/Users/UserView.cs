using OneMcp.Domain.Users;

namespace OneMcp.Application.Users;

/// <summary>A stored user as listings show it: never the password hash.</summary>
public sealed record UserView(string UserName, string Role, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static UserView From(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new UserView(user.UserName, UserRoles.ToText(user.Role), user.Disabled, user.CreatedAt, user.UpdatedAt);
    }
}
