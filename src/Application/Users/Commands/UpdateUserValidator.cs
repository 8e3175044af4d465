using FluentValidation;
using FluentValidation.Results;

namespace OneMcp.Application.Users.Commands;

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
