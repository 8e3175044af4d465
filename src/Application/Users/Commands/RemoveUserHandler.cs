using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Connections;
using OneMcp.Domain.Common;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed class RemoveUserHandler(
    IUserRepository repository, Authorization.IOAuthGrantDirectory grants, IUserConnectionStore connections, UserConnectionChanges connectionChanges,
    ITagScopeRepository tagScopes, TimeProvider time)
    : IRequestHandler<RemoveUserCommand, Unit>
{
    // An administrator editing the same tag scope at that moment: read it again and retry, a few times.
    private const int Attempts = 3;

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

        // The user is gone: so are their own credentials at the backends, and the instances that ran with them. First of
        // what follows the removal: a step after it that fails (a tag scope that kept changing under it) cannot be run
        // again (the user is not found any more), and must not leave their credentials stored and their connections running.
        var owner = ConnectionOwner.Of(user.Id);
        await connections.DeleteForOwnerAsync(owner, cancellationToken);
        await connectionChanges.CommittedAsync(null, owner, cancellationToken);

        await grants.RevokeSubjectAsync(user.Id.ToString(), cancellationToken);
        await ForgetInTagScopesAsync(user.UserName, cancellationToken);
        return Unit.Value;
    }

    /// <summary>
    /// The name is free again once its user is gone (<c>onemcp users add</c>, or a provider user whose first sign-in
    /// picks it): tag scopes kept to named users stop naming it, so the next holder of the name does not inherit the
    /// right to grant those tags.
    /// </summary>
    private async Task ForgetInTagScopesAsync(string userName, CancellationToken cancellationToken)
    {
        foreach (var listed in await tagScopes.ListAsync(cancellationToken))
        {
            var scope = listed;
            for (var attempt = 1; scope is not null && scope.ForgetUser(userName, time.GetUtcNow()); attempt++)
            {
                try
                {
                    await tagScopes.UpdateAsync(scope, cancellationToken);
                    break;
                }
                catch (ConcurrencyConflictException) when (attempt < Attempts)
                {
                    scope = await tagScopes.FindAsync(scope.Tag, cancellationToken);
                }
            }
        }
    }
}
