namespace OneMcp.Application.Users;

/// <summary>The outcome of checking a password against a stored hash.</summary>
public enum PasswordCheck
{
    Failed,
    Success,

    /// <summary>The password is right, but the hash uses weaker settings than today's: hash it again and save it.</summary>
    SuccessRehashNeeded,
}

/// <summary>Turns passwords into opaque, salted hashes and checks them; the only place a password is handled.</summary>
public interface IPasswordHasher
{
    string Hash(string password);

    PasswordCheck Verify(string hash, string password);
}
