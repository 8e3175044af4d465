using FluentValidation;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Connections.Commands;

public sealed class DisconnectMyConnectionValidator : AbstractValidator<DisconnectMyConnectionCommand>
{
    public DisconnectMyConnectionValidator() => this.AddServerNameRule(c => c.Backend);
}
