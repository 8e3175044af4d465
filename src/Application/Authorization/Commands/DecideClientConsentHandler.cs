using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Authorization.Commands;

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
