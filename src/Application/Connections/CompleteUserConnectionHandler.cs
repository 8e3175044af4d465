using MediatR;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Connections;

public sealed class CompleteUserConnectionHandler(IBackendServiceRepository backends, IUserBackendOAuth oauth, UserConnectionChanges changes)
    : IRequestHandler<CompleteUserConnectionCommand, UserConnectionOutcome>
{
    public async Task<UserConnectionOutcome> Handle(CompleteUserConnectionCommand request, CancellationToken cancellationToken)
    {
        var backend = await BackendOAuthRules.FindOAuthCapableAsync(backends, request.Name, cancellationToken);
        if (!backend.Settings.IsPerUser)
        {
            throw new DomainException("backend.not_per_user", $"Backend '{request.Name}' uses shared credentials: an administrator authorizes it for everyone.");
        }

        if (string.IsNullOrEmpty(request.State))
        {
            throw new BackendOAuthException(BackendOAuthException.InvalidState, "The authorization answer carries no state; click Connect again.");
        }

        if (request.Error is { Length: > 0 } error)
        {
            // Only the user who started the flow may end it: a forged error answer changes nothing.
            await oauth.AbandonAsync(backend.Name, request.Owner, request.State, cancellationToken);
            var detail = request.ErrorDescription is { Length: > 0 } description ? $"{error}: {description}" : error;
            throw new BackendOAuthException(error, $"The backend's authorization server answered {detail}.");
        }

        if (string.IsNullOrEmpty(request.Code))
        {
            throw new BackendOAuthException("missing_code", "The authorization answer carries no code; click Connect again.");
        }

        var outcome = await oauth.CompleteAsync(backend.Name, request.Owner, request.State, request.Code, cancellationToken);
        await changes.CommittedAsync(backend.Name, request.Owner, cancellationToken);
        return outcome;
    }
}
