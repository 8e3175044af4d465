using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections.Commands;

public sealed class SetMySecretsHandler(IBackendPool pool, IUserConnectionStore store, UserConnectionChanges changes)
    : IRequestHandler<SetMySecretsCommand, MyConnectionView>
{
    public async Task<MyConnectionView> Handle(SetMySecretsCommand request, CancellationToken cancellationToken)
    {
        var backend = ConnectionRules.FindPerUser(pool, request.Backend);
        var values = request.Values!.ToDictionary(v => v.Key, v => v.Value!, StringComparer.Ordinal);
        await store.SetSecretsAsync(backend.Name, request.Owner, values, UserSecretReferences.DestinationOf(backend.Settings), cancellationToken);
        await changes.CommittedAsync(backend.Name, request.Owner, cancellationToken);

        var stored = await store.ListAsync(backend.Name, request.Owner, cancellationToken);
        return MyConnectionView.From(backend.Settings, stored.Count > 0 ? stored[0] : null);
    }
}
