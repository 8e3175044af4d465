namespace OneMcp.Application.Users;

/// <summary>Turns passwords into opaque, salted hashes and checks them; the only place a password is handled.</summary>
public interface IPasswordHasher
{
    string Hash(string password);

    PasswordCheck Verify(string hash, string password);
}
