using FluentValidation;
using MediatR;
using OneMcp.Application.Authorization;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Replaces a user's password (same policy as for a new user) and revokes every grant and token of the user: a
/// password change is how a suspected compromise is answered, so what the old password obtained must end with it.
/// Their sign-in cookies end too (<see cref="PasswordStamp"/>).
/// </summary>
public sealed record SetPasswordCommand(string UserName, string Password) : IRequest<Unit>
{
    // Records print every property; this one holds a password.
    public override string ToString() => $"SetPasswordCommand {{ UserName = {UserName} }}";
}

public sealed class SetPasswordValidator : AbstractValidator<SetPasswordCommand>
{
    public SetPasswordValidator()
    {
        this.AddUserNameRule(c => c.UserName);
        this.AddPasswordRule(c => c.Password, c => c.UserName);
    }
}

public sealed class SetPasswordHandler(IUserRepository repository, IPasswordHasher hasher, IOAuthGrantDirectory grants, TimeProvider time)
    : IRequestHandler<SetPasswordCommand, Unit>
{
    public async Task<Unit> Handle(SetPasswordCommand request, CancellationToken cancellationToken)
    {
        var user = await repository.FindByNameAsync(request.UserName, cancellationToken)
            ?? throw new NotFoundException("user", request.UserName);
        user.SetPasswordHash(hasher.Hash(request.Password), time.GetUtcNow());
        await repository.UpdateAsync(user, cancellationToken);
        await grants.RevokeSubjectAsync(user.Id.ToString(), cancellationToken);
        return Unit.Value;
    }
}
