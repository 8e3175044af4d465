using FluentValidation;
using FluentValidation.Results;
using OneMcp.Application.Backends;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Connections.Commands;

public sealed class RevokeConnectionValidator : AbstractValidator<RevokeConnectionCommand>
{
    public RevokeConnectionValidator()
    {
        this.AddServerNameRule(c => c.Backend);
        RuleFor(c => c).Custom((command, context) =>
        {
            if (!User.IsValidUserName(command.UserName))
            {
                context.AddFailure(new ValidationFailure(ConnectionRules.UserField, "This is not a valid user name."));
            }
        });
    }
}
