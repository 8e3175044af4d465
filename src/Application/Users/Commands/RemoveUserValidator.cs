using FluentValidation;

namespace OneMcp.Application.Users.Commands;

public sealed class RemoveUserValidator : AbstractValidator<RemoveUserCommand>
{
    public RemoveUserValidator() => this.AddUserNameRule(c => c.UserName);
}
