using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Connections.Commands;

public sealed class RevokeConnectionHandler(IUserConnectionStore store, IUserRepository users, UserConnectionChanges changes)
    : IRequestHandler<RevokeConnectionCommand, Unit>
{
    public async Task<Unit> Handle(RevokeConnectionCommand request, CancellationToken cancellationToken)
    {
        var backend = ServerName.From(request.Backend);
        var owner = await ConnectionRules.OwnerOrKeyOfAsync(users, request.UserName, cancellationToken);
        if (!await store.DeleteAsync(backend, owner, cancellationToken))
        {
            throw new NotFoundException("connection", $"{request.Backend}/{request.UserName}");
        }

        await changes.CommittedAsync(backend, owner, cancellationToken);
        return Unit.Value;
    }
}
