using MediatR;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.OAuth;

public sealed class RestartBackendOAuthHandler(IBackendServiceRepository backends, IBackendOAuth oauth, IBackendRuntime runtime, IBackendPool pool)
    : IRequestHandler<RestartBackendOAuthCommand, BackendView>
{
    public async Task<BackendView> Handle(RestartBackendOAuthCommand request, CancellationToken cancellationToken)
    {
        var backend = await BackendOAuthRules.FindSharedOAuthCapableAsync(backends, request.Name, cancellationToken);
        await oauth.ForgetAsync(backend.Name, cancellationToken);
        await runtime.ReconnectAsync(backend.Name, cancellationToken);
        return BackendView.From(backend, pool);
    }
}
