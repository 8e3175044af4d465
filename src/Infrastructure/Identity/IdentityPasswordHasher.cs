using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OneMcp.Application.Users;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// <see cref="Application.Users.IPasswordHasher"/> over ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>
/// (v3 format: PBKDF2-HMAC-SHA512, salted, iteration count in the hash), used standalone without stores.
/// </summary>
internal sealed class IdentityPasswordHasher(IOptions<PasswordHasherOptions>? options = null) : Application.Users.IPasswordHasher
{
    private static readonly HashSubject Subject = new();

    private readonly PasswordHasher<HashSubject> _hasher = new(options);

    public string Hash(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        return _hasher.HashPassword(Subject, password);
    }

    public PasswordCheck Verify(string hash, string password)
    {
        if (string.IsNullOrEmpty(hash) || string.IsNullOrEmpty(password))
        {
            return PasswordCheck.Failed;
        }

        try
        {
            return _hasher.VerifyHashedPassword(Subject, hash, password) switch
            {
                PasswordVerificationResult.Success => PasswordCheck.Success,
                PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SuccessRehashNeeded,
                _ => PasswordCheck.Failed,
            };
        }
        catch (FormatException)
        {
            // A stored value that is not a hash at all (not base64) matches no password.
            return PasswordCheck.Failed;
        }
    }

    // PasswordHasher<TUser> ignores the user; the type parameter only has to be a class.
    private sealed class HashSubject;
}
