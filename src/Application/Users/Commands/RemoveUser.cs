using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Deletes a user and revokes every grant and token they approved (the next request with one gets 401); the last
/// enabled admin stays, so someone can always administer the gateway.
/// </summary>
public sealed record RemoveUserCommand(string UserName) : IRequest<Unit>;

public sealed class RemoveUserValidator : AbstractValidator<RemoveUserCommand>
{
    public RemoveUserValidator() => this.AddUserNameRule(c => c.UserName);
}

public sealed class RemoveUserHandler(IUserRepository repository, Authorization.IOAuthGrantDirectory grants) : IRequestHandler<RemoveUserCommand, Unit>
{
    public async Task<Unit> Handle(RemoveUserCommand request, CancellationToken cancellationToken)
    {
        var user = await repository.FindByNameAsync(request.UserName, cancellationToken)
            ?? throw new NotFoundException("user", request.UserName);
        if (LastAdminRule.TakesAnAdminAway(user))
        {
            LastAdminRule.EnsureAnotherAdminRemains(user, await repository.ListAsync(cancellationToken));
        }

        if (!await repository.RemoveAsync(user.Id, cancellationToken))
        {
            throw new NotFoundException("user", request.UserName);
        }

        await grants.RevokeSubjectAsync(user.Id.ToString(), cancellationToken);
        return Unit.Value;
    }
}
