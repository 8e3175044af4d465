using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// Revokes a grant and every token issued from it; the client's next request is refused. With
/// <paramref name="Subject"/> set (a member) only that user's own grants can be revoked: any other is "not found",
/// so a member cannot probe which grant ids exist.
/// </summary>
public sealed record RevokeGrantCommand(string Id, string? Subject) : IRequest<Unit>;

public sealed class RevokeGrantValidator : AbstractValidator<RevokeGrantCommand>
{
    public RevokeGrantValidator() =>
        RuleFor(c => c.Id).NotEmpty().MaximumLength(200).WithMessage("A grant id is required.").OverridePropertyName("id");
}

public sealed class RevokeGrantHandler(IOAuthGrantDirectory directory) : IRequestHandler<RevokeGrantCommand, Unit>
{
    public async Task<Unit> Handle(RevokeGrantCommand request, CancellationToken cancellationToken)
    {
        var grant = await directory.FindGrantAsync(request.Id, cancellationToken);
        if (grant is null || (request.Subject is not null && !string.Equals(grant.Subject, request.Subject, StringComparison.OrdinalIgnoreCase)))
        {
            throw new NotFoundException("grant", request.Id);
        }

        if (!await directory.RevokeGrantAsync(grant.Id, cancellationToken))
        {
            throw new NotFoundException("grant", request.Id);
        }

        return Unit.Value;
    }
}
