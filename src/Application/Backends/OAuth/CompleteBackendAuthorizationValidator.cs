using FluentValidation;

namespace OneMcp.Application.Backends.OAuth;

public sealed class CompleteBackendAuthorizationValidator : AbstractValidator<CompleteBackendAuthorizationCommand>
{
    public CompleteBackendAuthorizationValidator() => this.AddServerNameRule(c => c.Name);
}
