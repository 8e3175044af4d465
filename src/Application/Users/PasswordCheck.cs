namespace OneMcp.Application.Users;

/// <summary>The outcome of checking a password against a stored hash.</summary>
public enum PasswordCheck
{
    Failed,
    Success,

    /// <summary>The password is right, but the hash uses weaker settings than today's: hash it again and save it.</summary>
    SuccessRehashNeeded,
}
