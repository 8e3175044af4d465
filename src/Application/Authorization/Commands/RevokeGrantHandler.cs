using MediatR;
using OneMcp.Application.Common.Exceptions;

namespace OneMcp.Application.Authorization.Commands;

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
