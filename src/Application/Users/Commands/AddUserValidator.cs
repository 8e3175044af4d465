using FluentValidation;
using FluentValidation.Results;

namespace OneMcp.Application.Users.Commands;

public sealed class AddUserValidator : AbstractValidator<AddUserCommand>
{
    public AddUserValidator()
    {
        this.AddUserNameRule(c => c.UserName);
        this.AddPasswordRule(c => c.Password, c => c.UserName);
        RuleFor(c => c).Custom((command, context) =>
        {
            if (!UserRoles.TryParse(command.Role, out _))
            {
                context.AddFailure(new ValidationFailure("role", $"The role must be '{UserRoles.Admin}' or '{UserRoles.Member}'."));
            }
        });
    }
}
