using FluentValidation;

namespace OneMcp.Application.Presets.Commands;

public sealed class UpdatePresetValidator : AbstractValidator<UpdatePresetCommand>
{
    public UpdatePresetValidator()
    {
        this.AddPresetNameRule(c => c.Name);
        RuleFor(c => c.Edit).NotNull().WithMessage("The request needs a body with the preset's expression.").OverridePropertyName("body");
        this.AddExpressionRule(c => c.Edit?.Expression);
        this.AddDescriptionRule(c => c.Edit?.Description);
        RuleFor(c => c.Edit!.ExpectedVersion)
            .NotNull().WithMessage("'expectedVersion' is required: the version of the preset this edit is based on.")
            .GreaterThan(0).WithMessage("'expectedVersion' must be a positive version number.")
            .OverridePropertyName("expectedVersion")
            .When(c => c.Edit is not null);
    }
}
