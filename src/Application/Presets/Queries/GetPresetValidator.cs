using FluentValidation;

namespace OneMcp.Application.Presets.Queries;

public sealed class GetPresetValidator : AbstractValidator<GetPresetQuery>
{
    public GetPresetValidator() => this.AddPresetNameRule(c => c.Name);
}
