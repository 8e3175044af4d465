using FluentValidation;

namespace OneMcp.Application.Backends.OAuth;

public sealed class RestartBackendOAuthValidator : AbstractValidator<RestartBackendOAuthCommand>
{
    public RestartBackendOAuthValidator() => this.AddServerNameRule(c => c.Name);
}
