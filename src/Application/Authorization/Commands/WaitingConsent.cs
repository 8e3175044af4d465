namespace OneMcp.Application.Authorization.Commands;

public sealed record WaitingConsent(WaitingConsentOutcome Outcome, IReadOnlyList<string> GrantedScopes);
