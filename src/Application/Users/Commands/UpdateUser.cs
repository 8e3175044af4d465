using FluentValidation;
using FluentValidation.Results;
using MediatR;
using OneMcp.Application.Authorization;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Changes a user's role and/or disables or enables them. The last enabled admin can be neither demoted nor
/// disabled. Disabling or demoting revokes every grant and token of the user: a token carries the role it
/// was issued with, so a stale one would keep working (or keep admin rights) until it expired.
/// </summary>
public sealed record UpdateUserCommand(string UserName, UserEdit? Edit) : IRequest<UserView>;

/// <summary>The body of <c>PATCH /api/users/{name}</c>: absent fields stay as they are.</summary>
public sealed record UserEdit
{
    public string? Role { get; init; }

    public bool? Disabled { get; init; }
}

public sealed class UpdateUserValidator : AbstractValidator<UpdateUserCommand>
{
    public UpdateUserValidator()
    {
        this.AddUserNameRule(c => c.UserName);
        RuleFor(c => c).Custom((command, context) =>
        {
            if (command.Edit is null || (command.Edit.Role is null && command.Edit.Disabled is null))
            {
                context.AddFailure(new ValidationFailure("body", "Give 'role', 'disabled' or both."));
            }
            else if (command.Edit.Role is not null && !UserRoles.TryParse(command.Edit.Role, out _))
            {
                context.AddFailure(new ValidationFailure("role", $"The role must be '{UserRoles.Admin}' or '{UserRoles.Member}'."));
            }
        });
    }
}

public sealed class UpdateUserHandler(IUserRepository repository, IOAuthGrantDirectory grants, TimeProvider time)
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
            await repository.UpdateAsync(user, cancellationToken);
        }

        if (demoted || newlyDisabled)
        {
            await grants.RevokeSubjectAsync(user.Id.ToString(), cancellationToken);
        }

        return UserView.From(user);
    }
}
