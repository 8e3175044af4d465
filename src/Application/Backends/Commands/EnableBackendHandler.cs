using MediatR;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Commands;

public sealed class EnableBackendHandler(IBackendServiceRepository repository, BackendCatalog catalog, IBackendPool pool, TimeProvider time)
    : IRequestHandler<EnableBackendCommand, BackendView>
{
    public Task<BackendView> Handle(EnableBackendCommand request, CancellationToken cancellationToken) =>
        BackendSwitch.SetAsync(repository, catalog, pool, request.Name, b => b.Enable(time.GetUtcNow()), cancellationToken);
}
