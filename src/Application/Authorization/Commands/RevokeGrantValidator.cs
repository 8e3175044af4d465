using FluentValidation;

namespace OneMcp.Application.Authorization.Commands;

public sealed class RevokeGrantValidator : AbstractValidator<RevokeGrantCommand>
{
    public RevokeGrantValidator() =>
        RuleFor(c => c.Id).NotEmpty().MaximumLength(200).WithMessage("A grant id is required.").OverridePropertyName("id");
}
