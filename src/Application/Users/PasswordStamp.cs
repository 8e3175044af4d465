using System.Security.Cryptography;
using System.Text;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users;

/// <summary>
/// A fingerprint of a user's password hash, carried by the dashboard's sign-in cookie and compared on every
/// request: setting a password always stores a new salted hash, so every cookie issued before the change stops
/// working. Derived rather than stored, so no schema change is needed; the cookie is encrypted, and a digest of a
/// salted hash tells nothing about the password.
/// </summary>
public static class PasswordStamp
{
    public static string Of(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(user.PasswordHash)).AsSpan(0, 16));
    }
}
