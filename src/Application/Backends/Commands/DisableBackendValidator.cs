using FluentValidation;

namespace OneMcp.Application.Backends.Commands;

public sealed class DisableBackendValidator : AbstractValidator<DisableBackendCommand>
{
    public DisableBackendValidator() => this.AddServerNameRule(c => c.Name);
}
