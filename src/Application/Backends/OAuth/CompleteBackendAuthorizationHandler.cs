using MediatR;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.OAuth;

public sealed class CompleteBackendAuthorizationHandler(
    IBackendServiceRepository backends, IBackendOAuth oauth, IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<CompleteBackendAuthorizationCommand, Guid>
{
    public async Task<Guid> Handle(CompleteBackendAuthorizationCommand request, CancellationToken cancellationToken)
    {
        var backend = await BackendOAuthRules.FindOAuthCapableAsync(backends, request.Name, cancellationToken);
        if (string.IsNullOrEmpty(request.State))
        {
            throw new BackendOAuthException(BackendOAuthException.InvalidState, "The authorization answer carries no state; click Authorize again.");
        }

        if (request.Error is { Length: > 0 } error)
        {
            // Only the user who started the flow may end it: a forged error answer changes nothing.
            await oauth.AbandonAsync(backend.Name, request.Subject, request.State, cancellationToken);
            var detail = request.ErrorDescription is { Length: > 0 } description ? $"{error}: {description}" : error;
            throw new BackendOAuthException(error, $"The backend's authorization server answered {detail}.");
        }

        if (string.IsNullOrEmpty(request.Code))
        {
            throw new BackendOAuthException("missing_code", "The authorization answer carries no code; click Authorize again.");
        }

        var obtained = await oauth.CompleteAsync(backend.Name, request.Subject, request.State, request.Code, cancellationToken);
        var pending = AuthorizationRequest.ForBackend(request.Subject, backend.Name.Value, obtained.Scopes, obtained.ProtectedTokens, time.GetUtcNow());
        await requests.AddAsync(pending, cancellationToken);
        return pending.Id;
    }
}
