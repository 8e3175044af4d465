using OneMcp.Domain.Users;

namespace OneMcp.Application.Users;

/// <summary>
/// A stored user as listings show it: never the password hash. <see cref="Source"/> says how they sign in
/// (<see cref="LocalSource"/>: a password kept here; <see cref="ProviderSource"/>: the team's identity provider, which
/// also names their <see cref="Groups"/> at each sign-in).
/// </summary>
public sealed record UserView(
    string UserName, string Role, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Source, IReadOnlyList<string> Groups)
{
    public const string LocalSource = "local";
    public const string ProviderSource = "provider";

    public static UserView From(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new UserView(
            user.UserName, UserRoles.ToText(user.Role), user.Disabled, user.CreatedAt, user.UpdatedAt, user.IsExternal ? ProviderSource : LocalSource, user.Groups);
    }
}
