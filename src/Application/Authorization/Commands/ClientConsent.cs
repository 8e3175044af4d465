using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// Opens the decision a signed-in user makes on the consent page: <paramref name="RequestedScopes"/> are the scopes
/// the page offers (the user approves some or all of them, never another). <paramref name="ParametersDigest"/> pins
/// the OAuth request the page was shown for: a form posted back with other parameters is refused. With
/// <paramref name="RequiresAdministrator"/> (tags the user may not grant alone) an administrator decides instead.
/// </summary>
public sealed record StartClientConsentCommand(
    string Subject, string ClientId, string ClientName, IReadOnlyList<string> RequestedScopes, string ParametersDigest,
    bool RequiresAdministrator = false) : IRequest<Guid>;

public sealed class StartClientConsentHandler(IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<StartClientConsentCommand, Guid>
{
    public async Task<Guid> Handle(StartClientConsentCommand request, CancellationToken cancellationToken)
    {
        var consent = AuthorizationRequest.ForClient(
            request.Subject, request.ClientId, request.ClientName, request.RequestedScopes, request.ParametersDigest, time.GetUtcNow(),
            request.RequiresAdministrator);
        await requests.AddAsync(consent, cancellationToken);
        return consent.Id;
    }
}

/// <summary>The user's answer on the consent page: approve with the tags ticked, or deny. Decided once.</summary>
public sealed record DecideClientConsentCommand(
    Guid RequestId, string Subject, string ClientId, string ParametersDigest, bool Approve, IReadOnlyList<string> SelectedScopes) : IRequest<IReadOnlyList<string>>;

/// <summary>A consent form that does not belong to this user, client and request, or was already used.</summary>
public sealed class ConsentRejectedException(string message) : Exception(message);

public sealed class DecideClientConsentHandler(IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<DecideClientConsentCommand, IReadOnlyList<string>>
{
    /// <returns>The scopes granted (empty when denied).</returns>
    public async Task<IReadOnlyList<string>> Handle(DecideClientConsentCommand request, CancellationToken cancellationToken)
    {
        var consent = await ClientConsentRules.FindOwnAsync(requests, request.RequestId, request.Subject, request.ClientId, request.ParametersDigest, cancellationToken);
        if (request.Approve && consent.RequiresAdministrator)
        {
            throw new ConsentRejectedException("An administrator decides this request; wait for their answer on this page.");
        }

        var now = time.GetUtcNow();
        DecisionOutcome outcome;
        try
        {
            outcome = request.Approve ? consent.Approve(request.Subject, request.SelectedScopes, now) : consent.Deny(request.Subject, now);
        }
        catch (DomainException e)
        {
            throw new ConsentRejectedException(e.Message);
        }

        if (outcome == DecisionOutcome.Expired)
        {
            if (consent.HasUnsavedChanges)
            {
                // Expired just now: record it, so the request stops showing as pending.
                await requests.UpdateAsync(consent, cancellationToken);
            }

            throw new ConsentRejectedException(AuthorizationRequestErrors.Expired().Message);
        }

        try
        {
            await requests.UpdateAsync(consent, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            throw new ConsentRejectedException("This authorization request was already decided.");
        }

        return consent.GrantedScopes;
    }
}

/// <summary>What an administrator decided on a client request the user's consent page waits for.</summary>
public enum WaitingConsentOutcome
{
    /// <summary>Not decided yet: the page keeps waiting.</summary>
    Waiting,
    /// <summary>Approved, and now redeemed by this page (once): <see cref="WaitingConsent.GrantedScopes"/> go into the code.</summary>
    Approved,
    Denied,
}

public sealed record WaitingConsent(WaitingConsentOutcome Outcome, IReadOnlyList<string> GrantedScopes);

/// <summary>The waiting consent page asks whether an administrator decided; an approval is collected once.</summary>
public sealed record CollectClientConsentCommand(Guid RequestId, string Subject, string ClientId, string ParametersDigest) : IRequest<WaitingConsent>;

public sealed class CollectClientConsentHandler(IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<CollectClientConsentCommand, WaitingConsent>
{
    public async Task<WaitingConsent> Handle(CollectClientConsentCommand request, CancellationToken cancellationToken)
    {
        var consent = await ClientConsentRules.FindOwnAsync(requests, request.RequestId, request.Subject, request.ClientId, request.ParametersDigest, cancellationToken);
        var now = time.GetUtcNow();
        switch (consent.Status)
        {
            case AuthorizationRequestStatus.Pending when !consent.IsExpiredAt(now):
                return new WaitingConsent(WaitingConsentOutcome.Waiting, []);
            case AuthorizationRequestStatus.Denied:
                return new WaitingConsent(WaitingConsentOutcome.Denied, []);
            case AuthorizationRequestStatus.Approved:
                try
                {
                    consent.Redeem(request.Subject, now);
                    await requests.UpdateAsync(consent, cancellationToken);
                }
                catch (Exception e) when (e is DomainException or ConcurrencyConflictException)
                {
                    throw new ConsentRejectedException("This approval was already used. Start the sign-in from your application again.");
                }

                return new WaitingConsent(WaitingConsentOutcome.Approved, consent.GrantedScopes);
            default:
                throw new ConsentRejectedException("No administrator decided within ten minutes. Start the sign-in from your application again.");
        }
    }
}

internal static class ClientConsentRules
{
    /// <summary>The client request of this user, client and exact OAuth request; anything else is refused alike.</summary>
    public static async Task<ClientConsentRequest> FindOwnAsync(
        IAuthorizationRequestRepository requests, Guid id, string subject, string clientId, string digest, CancellationToken cancellationToken) =>
        await requests.FindAsync(id, cancellationToken) is ClientConsentRequest consent && consent.IsFor(subject, clientId, digest)
            ? consent
            : throw new ConsentRejectedException("This consent form does not match an open authorization request. Start the sign-in from your application again.");
}
