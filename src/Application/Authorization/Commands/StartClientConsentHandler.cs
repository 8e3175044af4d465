using MediatR;
using OneMcp.Domain.AuthorizationRequests;

namespace OneMcp.Application.Authorization.Commands;

public sealed class StartClientConsentHandler(IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<StartClientConsentCommand, Guid>
{
    public async Task<Guid> Handle(StartClientConsentCommand request, CancellationToken cancellationToken)
    {
        var consent = AuthorizationRequest.ForClient(
            request.Subject, request.ClientId, request.ClientName, request.RequestedScopes, request.ParametersDigest, time.GetUtcNow(),
            request.RequiresAdministrator, request.RedirectUri);
        await requests.AddAsync(consent, cancellationToken);
        return consent.Id;
    }
}
