using MediatR;
using OneMcp.Application.Authorization;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Connections;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed class UpdateUserHandler(
    IUserRepository repository, IOAuthGrantDirectory grants, IUserConnectionStore connections, UserConnectionChanges connectionChanges, TimeProvider time)
    : IRequestHandler<UpdateUserCommand, UserView>
{
    public async Task<UserView> Handle(UpdateUserCommand request, CancellationToken cancellationToken)
    {
        var user = await repository.FindByNameAsync(request.UserName, cancellationToken)
            ?? throw new NotFoundException("user", request.UserName);
        var edit = request.Edit!;
        var role = user.Role;
        if (edit.Role is not null && !UserRoles.TryParse(edit.Role, out role))
        {
            throw new ArgumentException("The validator lets only known roles through.", nameof(request));
        }

        var disabled = edit.Disabled ?? user.Disabled;
        if (LastAdminRule.TakesAnAdminAway(user, role, disabled))
        {
            LastAdminRule.EnsureAnotherAdminRemains(user, await repository.ListAsync(cancellationToken));
        }

        var now = time.GetUtcNow();
        var demoted = user.IsAdmin && role != UserRole.Admin;
        var newlyDisabled = disabled && !user.Disabled;
        if (role != user.Role)
        {
            user.ChangeRole(role, now);
        }

        if (disabled != user.Disabled)
        {
            if (disabled)
            {
                user.Disable(now);
            }
            else
            {
                user.Enable(now);
            }
        }

        if (user.HasUnsavedChanges)
        {
            // The list above gives the clear error at once; this save checks again in the same step as its write, so
            // two admins demoting (or disabling) each other at once cannot both pass and leave nobody.
            await repository.UpdateKeepingAnAdminAsync(user, cancellationToken);
        }

        if (demoted || newlyDisabled)
        {
            await grants.RevokeSubjectAsync(user.Id.ToString(), cancellationToken);
        }

        if (newlyDisabled)
        {
            // A disabled user's credentials at the backends go, and the instances that ran with them stop; enabled
            // again, they connect again.
            var owner = ConnectionOwner.Of(user.Id);
            await connections.DeleteForOwnerAsync(owner, cancellationToken);
            await connectionChanges.CommittedAsync(null, owner, cancellationToken);
        }

        return UserView.From(user);
    }
}
