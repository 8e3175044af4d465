using FluentValidation;

namespace OneMcp.Application.Presets.Commands;

public sealed class DeletePresetValidator : AbstractValidator<DeletePresetCommand>
{
    public DeletePresetValidator() => this.AddPresetNameRule(c => c.Name);
}
