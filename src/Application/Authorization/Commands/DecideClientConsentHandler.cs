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
        catch (DomainException e) when (e.Code == AuthorizationRequestErrors.AlreadyDecidedCode)
        {
            var who = consent.DecidedBy == request.Subject ? "You" : "An administrator";
            var how = consent.Status == AuthorizationRequestStatus.Approved ? "approved" : "denied";
            throw new ConsentRejectedException(AlreadyDecided($"{who} already {how} this request"));
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
            // Another POST of the same form decided it while this one was on its way.
            throw new ConsentRejectedException(AlreadyDecided("This request was decided already"));
        }

        return consent.GrantedScopes;
    }

    /// <summary>
    /// The consent form posted again (a double click, a reload, the back button): the answer went to the application with
    /// the first POST, and the gateway keeps no copy of a code to send it twice. Said to the user whose request it is.
    /// </summary>
    internal static string AlreadyDecided(string decided) =>
        $"{decided}, and your application was sent that answer at the time. A decision is answered only once, "
        + "so no new code is issued from this page. If your application did not continue, start the sign-in from it again.";
}
