using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Commands;

public sealed class DecideAuthorizationRequestHandler(
    IAuthorizationRequestRepository requests, IBackendOAuth oauth, IBackendRuntime runtime, IUserRepository users, TimeProvider time)
    : IRequestHandler<DecideAuthorizationRequestCommand, AuthorizationRequestView>
{
    public async Task<AuthorizationRequestView> Handle(DecideAuthorizationRequestCommand request, CancellationToken cancellationToken)
    {
        var found = await requests.FindAsync(request.Id, cancellationToken);
        if (found is not { RequiresAdministrator: true })
        {
            throw new NotFoundException("authorization request", request.Id.ToString("D"));
        }

        // A backend's tokens leave the request with the decision: read them first.
        var tokens = (found as BackendConnectionRequest)?.ProtectedTokens;
        var now = time.GetUtcNow();
        var outcome = request.Approve
            ? found.Approve(request.Actor, request.Scopes ?? found.RequestedScopes, now, byAdministrator: true)
            : found.Deny(request.Actor, now);
        if (outcome == DecisionOutcome.Expired)
        {
            if (found.HasUnsavedChanges)
            {
                // Expired just now: record it, so it stops showing as pending (and a backend's tokens are not kept).
                await requests.UpdateAsync(found, cancellationToken);
            }

            throw AuthorizationRequestErrors.Expired();
        }

        // Saved first: of two administrators clicking at once, only one decision is kept and acted on.
        await requests.UpdateAsync(found, cancellationToken);
        if (found is BackendConnectionRequest { Status: AuthorizationRequestStatus.Approved } connection && tokens is not null)
        {
            var name = ServerName.From(connection.BackendName);
            await oauth.AcceptAsync(name, tokens, cancellationToken);
            await runtime.ReconnectAsync(name, cancellationToken);
        }

        return await AuthorizationRequestView.FromAsync(found, users, cancellationToken);
    }
}
