using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
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

        // Saved first: of two administrators clicking at once, only one decision is kept and acted on, and no tokens
        // are put in use for a request another administrator denied meanwhile.
        await requests.UpdateAsync(found, cancellationToken);
        if (found is BackendConnectionRequest { Status: AuthorizationRequestStatus.Approved } connection && tokens is not null)
        {
            var name = ServerName.From(connection.BackendName);
            await AcceptOrReturnAsync(connection, name, tokens, cancellationToken);
            await runtime.ReconnectAsync(name, cancellationToken);
        }

        return await AuthorizationRequestView.FromAsync(found, users, cancellationToken);
    }

    // The tokens could not be stored as the backend's (404 the backend is gone, 409 its credentials kept changing): the
    // request goes back to pending with them, so the administrator can approve again instead of the user authorizing
    // again. Nobody else can have changed it in between: a decided request refuses every other decision. Only these two
    // failures say for sure that nothing was stored; the request is given back even when the caller has gone meanwhile.
    private async Task AcceptOrReturnAsync(BackendConnectionRequest approved, ServerName backend, string tokens, CancellationToken cancellationToken)
    {
        try
        {
            await oauth.AcceptAsync(backend, tokens, cancellationToken);
        }
        catch (Exception e) when (e is NotFoundException or ConcurrencyConflictException)
        {
            approved.ReturnTokens(tokens);
            await requests.UpdateAsync(approved, CancellationToken.None);
            throw;
        }
    }
}
