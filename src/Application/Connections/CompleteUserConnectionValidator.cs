using FluentValidation;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Connections;

public sealed class CompleteUserConnectionValidator : AbstractValidator<CompleteUserConnectionCommand>
{
    public CompleteUserConnectionValidator() => this.AddServerNameRule(c => c.Name);
}
