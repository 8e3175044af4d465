using FluentValidation;

namespace OneMcp.Application.Users.Commands;

public sealed class SetPasswordValidator : AbstractValidator<SetPasswordCommand>
{
    public SetPasswordValidator()
    {
        this.AddUserNameRule(c => c.UserName);
        this.AddPasswordRule(c => c.Password, c => c.UserName);
    }
}
