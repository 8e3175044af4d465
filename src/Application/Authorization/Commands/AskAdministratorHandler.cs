using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Authorization.Commands;

public sealed class AskAdministratorHandler(IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<AskAdministratorCommand, Unit>
{
    public async Task<Unit> Handle(AskAdministratorCommand request, CancellationToken cancellationToken)
    {
        var consent = await ClientConsentRules.FindOwnAsync(requests, request.RequestId, request.Subject, request.ClientId, request.ParametersDigest, cancellationToken);
        DecisionOutcome outcome;
        try
        {
            outcome = consent.AskAdministrator(request.Subject, time.GetUtcNow());
        }
        catch (DomainException e)
        {
            throw new ConsentRejectedException(e.Message + " Start the sign-in from your application again.");
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

        if (!consent.HasUnsavedChanges)
        {
            // Asked already (the form posted again): the waiting page follows that request.
            return Unit.Value;
        }

        try
        {
            await requests.UpdateAsync(consent, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            throw new ConsentRejectedException("This request changed while you asked (a second click, or a cancel in another tab). Start the sign-in from your application again.");
        }

        return Unit.Value;
    }
}
