using FluentValidation;

namespace OneMcp.Application.Backends.Commands;

public sealed class UpdateBackendValidator : AbstractValidator<UpdateBackendCommand>
{
    public UpdateBackendValidator(IBackendDefinitionAssembler assembler)
    {
        this.AddServerNameRule(c => c.Name);
        RuleFor(c => c.Edit!.ExpectedVersion)
            .NotNull().WithMessage("'expectedVersion' is required: the version of the backend this edit is based on.")
            .GreaterThan(0).WithMessage("'expectedVersion' must be a positive version number.")
            .OverridePropertyName("expectedVersion")
            .When(c => c.Edit is not null);
        this.AddDefinitionRule(c => c.Name, c => c.Edit, assembler);
    }
}
