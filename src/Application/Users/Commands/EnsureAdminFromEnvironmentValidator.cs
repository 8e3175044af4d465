using FluentValidation;
using FluentValidation.Results;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// The rules of <c>onemcp users add</c> applied to <c>ONEMCP_ADMIN_USERNAME</c> / <c>ONEMCP_ADMIN_PASSWORD</c>, each
/// message naming its variable (never the password). <c>onemcp serve</c> checks them with its other settings, before
/// anything is written, so a bad value stops the start with one line whether or not the admin exists yet.
/// </summary>
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
            else if (command.UserName is not null && UserRules.CheckUserName(command.UserName) is { } nameProblem)
            {
                context.AddFailure(new ValidationFailure("userName", $"{EnsureAdminFromEnvironmentCommand.UserNameVariable}: {nameProblem}"));
            }
            else if (command.Password is not null && UserRules.CheckPassword(command.Password, command.UserName) is { } passwordProblem)
            {
                context.AddFailure(new ValidationFailure("password", $"{EnsureAdminFromEnvironmentCommand.PasswordVariable}: {passwordProblem}"));
            }
        });
}
