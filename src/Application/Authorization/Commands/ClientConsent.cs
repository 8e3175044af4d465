using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// Opens the decision a signed-in user makes on the consent page. <paramref name="ParametersDigest"/> pins
/// the OAuth request the page was shown for: a form posted back with other parameters is refused.
/// </summary>
public sealed record StartClientConsentCommand(
    string Subject, string ClientId, string ClientName, IReadOnlyList<string> RequestedScopes, string ParametersDigest) : IRequest<Guid>;

public sealed class StartClientConsentHandler(IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<StartClientConsentCommand, Guid>
{
    public async Task<Guid> Handle(StartClientConsentCommand request, CancellationToken cancellationToken)
    {
        var consent = AuthorizationRequest.ForClient(
            request.Subject, request.ClientId, request.ClientName, request.RequestedScopes, request.ParametersDigest, time.GetUtcNow());
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
        var consent = await requests.FindAsync(request.RequestId, cancellationToken);
        if (consent is null
            || consent.Kind != AuthorizationRequestKind.ClientConsent
            || !string.Equals(consent.Subject, request.Subject, StringComparison.Ordinal)
            || !string.Equals(consent.ClientId, request.ClientId, StringComparison.Ordinal)
            || !string.Equals(consent.Payload, request.ParametersDigest, StringComparison.Ordinal))
        {
            throw new ConsentRejectedException("This consent form does not match an open authorization request. Start the sign-in from your application again.");
        }

        var version = consent.Version;
        try
        {
            if (request.Approve)
            {
                consent.Approve(request.Subject, request.SelectedScopes, time.GetUtcNow());
            }
            else
            {
                consent.Deny(request.Subject, time.GetUtcNow());
            }
        }
        catch (DomainException e)
        {
            if (consent.Version != version)
            {
                // Expired just now: record it, so the request stops showing as pending.
                await requests.UpdateAsync(consent, version, cancellationToken);
            }

            throw new ConsentRejectedException(e.Message);
        }

        try
        {
            await requests.UpdateAsync(consent, version, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            throw new ConsentRejectedException("This authorization request was already decided.");
        }

        return consent.GrantedScopes;
    }
}
