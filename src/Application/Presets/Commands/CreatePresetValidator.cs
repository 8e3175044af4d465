using FluentValidation;

namespace OneMcp.Application.Presets.Commands;

public sealed class CreatePresetValidator : AbstractValidator<CreatePresetCommand>
{
    public CreatePresetValidator()
    {
        this.AddPresetNameRule(c => c.Name);
        this.AddExpressionRule(c => c.Expression);
        this.AddDescriptionRule(c => c.Description);
    }
}
