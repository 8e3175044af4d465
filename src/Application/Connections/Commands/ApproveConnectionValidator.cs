using FluentValidation;
using FluentValidation.Results;
using OneMcp.Application.Backends;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Connections.Commands;

public sealed class ApproveConnectionValidator : AbstractValidator<ApproveConnectionCommand>
{
    public ApproveConnectionValidator(IBackendPool pool)
    {
        this.AddPerUserBackendRule(c => c.Backend, pool);
        RuleFor(c => c).Custom((command, context) =>
        {
            if (!User.IsValidUserName(command.UserName))
            {
                context.AddFailure(new ValidationFailure(ConnectionRules.UserField, "This is not a valid user name."));
            }
        });
    }
}
