using MediatR;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Backends.Commands;

public sealed class RegisterBackendHandler(
    IBackendServiceRepository repository,
    BackendCatalog catalog,
    IBackendDefinitionAssembler assembler,
    IBackendPool pool,
    TimeProvider time) : IRequestHandler<RegisterBackendCommand, BackendView>
{
    public async Task<BackendView> Handle(RegisterBackendCommand request, CancellationToken cancellationToken)
    {
        var settings = assembler.ToSettings(request.Name!, request);
        var backend = await catalog.ChangeAsync(
            async () =>
            {
                // Names prefix capability names and appear in URLs: a case-only difference would collide there,
                // and a name mcp.json uses belongs to the file.
                var existing = await repository.ListAsync(cancellationToken);
                if (existing.Any(b => string.Equals(b.Name.Value, settings.Name.Value, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new DuplicateNameException("backend", settings.Name.Value);
                }

                var registered = BackendService.Register(settings, BackendOrigin.Api, time.GetUtcNow());
                await repository.AddAsync(registered, cancellationToken);
                return registered;
            },
            cancellationToken);
        return BackendView.From(backend, pool);
    }
}
