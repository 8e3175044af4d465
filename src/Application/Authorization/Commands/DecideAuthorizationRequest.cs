using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// An administrator approves or denies a request waiting for them. A backend connection approved: its tokens
/// become the backend's credentials and it reconnects; denied: the tokens are discarded. A client request approved
/// with <paramref name="Scopes"/> (default: all requested) lets the user's waiting consent page continue.
/// </summary>
public sealed record DecideAuthorizationRequestCommand(Guid Id, string Actor, bool Approve, IReadOnlyList<string>? Scopes = null) : IRequest<AuthorizationRequestView>;

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

        var version = found.Version;
        var tokens = found.Payload;
        try
        {
            if (request.Approve)
            {
                found.Approve(request.Actor, request.Scopes ?? found.RequestedScopes, time.GetUtcNow(), byAdministrator: true);
            }
            else
            {
                found.Deny(request.Actor, time.GetUtcNow());
            }
        }
        finally
        {
            if (found.Version != version && found.Status == AuthorizationRequestStatus.Expired)
            {
                // Expired just now: record it, so it stops showing as pending (and a backend's tokens are not kept).
                await requests.UpdateAsync(found, version, cancellationToken);
            }
        }

        // Saved first: of two administrators clicking at once, only one decision is kept and acted on.
        await requests.UpdateAsync(found, version, cancellationToken);
        if (found is { Kind: AuthorizationRequestKind.BackendConnection, Status: AuthorizationRequestStatus.Approved, BackendName: { } backend })
        {
            var name = ServerName.From(backend);
            await oauth.AcceptAsync(name, tokens, cancellationToken);
            await runtime.ReconnectAsync(name, cancellationToken);
        }

        return await AuthorizationRequestView.FromAsync(found, users, cancellationToken);
    }
}
