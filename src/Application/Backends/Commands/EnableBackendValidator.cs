using FluentValidation;

namespace OneMcp.Application.Backends.Commands;

public sealed class EnableBackendValidator : AbstractValidator<EnableBackendCommand>
{
    public EnableBackendValidator() => this.AddServerNameRule(c => c.Name);
}
