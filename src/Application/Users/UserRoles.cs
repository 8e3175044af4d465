using OneMcp.Domain.Users;

namespace OneMcp.Application.Users;

/// <summary>The roles as they are written on the command line and shown in listings.</summary>
public static class UserRoles
{
    public const string Admin = "admin";
    public const string Member = "member";

    public static string ToText(UserRole role) => role switch
    {
        UserRole.Admin => Admin,
        UserRole.Member => Member,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };

    public static bool TryParse(string? text, out UserRole role)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case Admin:
                role = UserRole.Admin;
                return true;
            case Member:
                role = UserRole.Member;
                return true;
            default:
                role = default;
                return false;
        }
    }
}
