using FluentValidation;

namespace OneMcp.Application.Backends.OAuth;

public sealed class StartBackendAuthorizationValidator : AbstractValidator<StartBackendAuthorizationCommand>
{
    public StartBackendAuthorizationValidator() => this.AddServerNameRule(c => c.Name);
}
