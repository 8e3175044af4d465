using FluentValidation;

namespace OneMcp.Application.Backends.Queries;

public sealed class GetBackendValidator : AbstractValidator<GetBackendQuery>
{
    public GetBackendValidator() => this.AddServerNameRule(c => c.Name);
}
