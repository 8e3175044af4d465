using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections.Commands;

public sealed class DisconnectMyConnectionHandler(IUserConnectionStore store, UserConnectionChanges changes)
    : IRequestHandler<DisconnectMyConnectionCommand, Unit>
{
    public async Task<Unit> Handle(DisconnectMyConnectionCommand request, CancellationToken cancellationToken)
    {
        // The stored row, not the pool: a connection to a backend that is stopping can still be removed.
        var backend = ServerName.From(request.Backend);
        if (!await store.DeleteAsync(backend, request.Owner, cancellationToken))
        {
            throw new NotFoundException("connection to the backend", request.Backend);
        }

        await changes.CommittedAsync(backend, request.Owner, cancellationToken);
        return Unit.Value;
    }
}
