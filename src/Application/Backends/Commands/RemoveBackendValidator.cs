using FluentValidation;

namespace OneMcp.Application.Backends.Commands;

public sealed class RemoveBackendValidator : AbstractValidator<RemoveBackendCommand>
{
    public RemoveBackendValidator() => this.AddServerNameRule(c => c.Name);
}
