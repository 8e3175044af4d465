namespace OneMcp.Application.Users.Commands;

public enum SignInOutcome
{
    Succeeded,
    InvalidCredentials,

    /// <summary>Too many failures of this user name from this address; other addresses may still sign in.</summary>
    LockedOut,

    /// <summary>Too many failures from this address, whatever the names: nothing is checked until <see cref="SignInResult.LockedUntil"/>.</summary>
    AddressThrottled,

    /// <summary>An administrator disabled this user here: refused whatever the identity provider says.</summary>
    AccountDisabled,

    /// <summary>The identity provider's account has no (verified) e-mail address in an allowed domain.</summary>
    DomainNotAllowed,
}
