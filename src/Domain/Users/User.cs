using OneMcp.Domain.Common;

namespace OneMcp.Domain.Users;

/// <summary>A person who signs in to approve clients and run the dashboard. The password hash is opaque here.</summary>
public sealed class User : EditableAggregate
{
    public const int MaxUserNameLength = 64;

    private User(string userName, string passwordHash, UserRole role, DateTimeOffset now)
        : base(Guid.NewGuid(), now)
    {
        UserName = userName;
        PasswordHash = passwordHash;
        Role = role;
    }

    private User(Guid id, string userName, string passwordHash, UserRole role, bool disabled, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt)
        : base(id, version, createdAt, updatedAt)
    {
        UserName = userName;
        PasswordHash = passwordHash;
        Role = role;
        Disabled = disabled;
    }

    /// <summary>Unique, compared case-insensitively.</summary>
    public string UserName { get; }

    public string PasswordHash { get; private set; }

    public UserRole Role { get; private set; }

    public bool Disabled { get; private set; }

    public bool IsAdmin => Role == UserRole.Admin;

    public static User Create(string userName, string passwordHash, UserRole role, DateTimeOffset now)
    {
        if (!IsValidUserName(userName))
        {
            throw new DomainException("user.invalid_name", $"A user name has 1 to {MaxUserNameLength} letters, digits, '-', '_', '.' or '@'.");
        }

        return new User(userName, RequiredHash(passwordHash), role, now);
    }

    /// <summary>Rebuilds a stored user; only repositories call this.</summary>
    internal static User Restore(Guid id, string userName, string passwordHash, UserRole role, bool disabled, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, userName, passwordHash, role, disabled, version, createdAt, updatedAt);

    public static bool IsValidUserName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxUserNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');

    public void SetPasswordHash(string passwordHash, DateTimeOffset now) => Touch(() => PasswordHash = RequiredHash(passwordHash), now);

    public void ChangeRole(UserRole role, DateTimeOffset now) => Touch(() => Role = role, now);

    public void Disable(DateTimeOffset now) => Touch(() => Disabled = true, now);

    public void Enable(DateTimeOffset now) => Touch(() => Disabled = false, now);

    // The hash never appears in a log line through ToString.
    public override string ToString() => $"User {{ UserName = {UserName}, Role = {Role} }}";

    private static string RequiredHash(string hash) =>
        string.IsNullOrEmpty(hash) ? throw new DomainException("user.invalid_password", "A password hash is required.") : hash;
}
