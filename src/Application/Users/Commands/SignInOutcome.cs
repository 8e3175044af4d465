namespace OneMcp.Application.Users.Commands;

public enum SignInOutcome
{
    Succeeded,
    InvalidCredentials,

    /// <summary>Too many failures of this user name from this address; other addresses may still sign in.</summary>
    LockedOut,

    /// <summary>Too many failures from this address, whatever the names: nothing is checked until <see cref="SignInResult.LockedUntil"/>.</summary>
    AddressThrottled,
}
