namespace OneMcp.Application.Authorization.Commands;

/// <summary>What an administrator decided on a client request the user's consent page waits for.</summary>
public enum WaitingConsentOutcome
{
    /// <summary>Not decided yet: the page keeps waiting.</summary>
    Waiting,
    /// <summary>Approved, and now redeemed by this page (once): <see cref="WaitingConsent.GrantedScopes"/> go into the code.</summary>
    Approved,
    Denied,
}
