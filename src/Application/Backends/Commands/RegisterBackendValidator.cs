using FluentValidation;

namespace OneMcp.Application.Backends.Commands;

public sealed class RegisterBackendValidator : AbstractValidator<RegisterBackendCommand>
{
    public RegisterBackendValidator(IBackendDefinitionAssembler assembler)
    {
        this.AddServerNameRule(c => c.Name);
        this.AddDefinitionRule(c => c.Name, c => c, assembler);
    }
}
