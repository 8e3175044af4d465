using FluentValidation;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Connections.Commands;

public sealed class StartMyConnectionAuthorizationValidator : AbstractValidator<StartMyConnectionAuthorizationCommand>
{
    public StartMyConnectionAuthorizationValidator(IBackendPool pool) => this.AddPerUserBackendRule(c => c.Backend, pool);
}
