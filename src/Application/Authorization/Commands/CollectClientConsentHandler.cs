using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Authorization.Commands;

public sealed class CollectClientConsentHandler(IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<CollectClientConsentCommand, WaitingConsent>
{
    public async Task<WaitingConsent> Handle(CollectClientConsentCommand request, CancellationToken cancellationToken)
    {
        var consent = await ClientConsentRules.FindOwnAsync(requests, request.RequestId, request.Subject, request.ClientId, request.ParametersDigest, cancellationToken);
        if (!consent.RequiresAdministrator)
        {
            // The user's own request, never filed for an administrator ("Ask an administrator" was not clicked).
            throw new ConsentRejectedException("No administrator was asked to decide this request. Start the sign-in from your application again.");
        }

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
