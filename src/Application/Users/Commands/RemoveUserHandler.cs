using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Connections;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed class RemoveUserHandler(
    IUserRepository repository, Authorization.IOAuthGrantDirectory grants, IUserConnectionStore connections, UserConnectionChanges connectionChanges)
    : IRequestHandler<RemoveUserCommand, Unit>
{
    public async Task<Unit> Handle(RemoveUserCommand request, CancellationToken cancellationToken)
    {
        var user = await repository.FindByNameAsync(request.UserName, cancellationToken)
            ?? throw new NotFoundException("user", request.UserName);
        if (LastAdminRule.TakesAnAdminAway(user))
        {
            LastAdminRule.EnsureAnotherAdminRemains(user, await repository.ListAsync(cancellationToken));
        }

        // Checked again in the same step as the removal: two admins removing each other at once leave one.
        if (!await repository.RemoveKeepingAnAdminAsync(user, cancellationToken))
        {
            throw new NotFoundException("user", request.UserName);
        }

        await grants.RevokeSubjectAsync(user.Id.ToString(), cancellationToken);

        // The user is gone: so are their own credentials at the backends, and the instances that ran with them.
        var owner = ConnectionOwner.Of(user.Id);
        await connections.DeleteForOwnerAsync(owner, cancellationToken);
        await connectionChanges.CommittedAsync(null, owner, cancellationToken);
        return Unit.Value;
    }
}
