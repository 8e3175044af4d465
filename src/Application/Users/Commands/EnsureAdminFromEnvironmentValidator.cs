using FluentValidation;
using FluentValidation.Results;

namespace OneMcp.Application.Users.Commands;

public sealed class EnsureAdminFromEnvironmentValidator : AbstractValidator<EnsureAdminFromEnvironmentCommand>
{
    public EnsureAdminFromEnvironmentValidator() =>
        RuleFor(c => c).Custom((command, context) =>
        {
            if (command.UserName is not null && command.Password is null)
            {
                context.AddFailure(new ValidationFailure("password", $"{EnsureAdminFromEnvironmentCommand.UserNameVariable} is set but {EnsureAdminFromEnvironmentCommand.PasswordVariable} is not; set both or neither."));
            }
            else if (command.UserName is null && command.Password is not null)
            {
                context.AddFailure(new ValidationFailure("userName", $"{EnsureAdminFromEnvironmentCommand.PasswordVariable} is set but {EnsureAdminFromEnvironmentCommand.UserNameVariable} is not; set both or neither."));
            }
        });
}
