using FluentValidation;
using FluentValidation.Results;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections.Queries;

public sealed class ListConnectionsValidator : AbstractValidator<ListConnectionsQuery>
{
    public ListConnectionsValidator() =>
        RuleFor(q => q).Custom((query, context) =>
        {
            if (query.Backend is not null && !ServerName.TryValidate(query.Backend, out var error))
            {
                context.AddFailure(new ValidationFailure(ConnectionRules.BackendField, error));
            }
        });
}
