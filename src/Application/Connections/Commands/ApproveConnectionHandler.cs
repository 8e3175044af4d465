using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Connections.Commands;

public sealed class ApproveConnectionHandler(IBackendPool pool, IUserBackendOAuth oauth, IUserRepository users, UserConnectionChanges changes)
    : IRequestHandler<ApproveConnectionCommand, Unit>
{
    public async Task<Unit> Handle(ApproveConnectionCommand request, CancellationToken cancellationToken)
    {
        var backend = ConnectionRules.FindPerUser(pool, request.Backend);
        ConnectionRules.OAuthCapable(backend);
        var owner = await ConnectionRules.OwnerOfAsync(users, request.UserName, cancellationToken);
        if (!await oauth.ApproveAsync(backend.Name, owner, cancellationToken))
        {
            throw new NotFoundException("connection awaiting approval", $"{request.Backend}/{request.UserName}");
        }

        await changes.CommittedAsync(backend.Name, owner, cancellationToken);
        return Unit.Value;
    }
}
