using MediatR;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.OAuth;

public sealed class StartBackendAuthorizationHandler(IBackendServiceRepository backends, IBackendOAuth oauth)
    : IRequestHandler<StartBackendAuthorizationCommand, Uri>
{
    public async Task<Uri> Handle(StartBackendAuthorizationCommand request, CancellationToken cancellationToken)
    {
        var backend = await BackendOAuthRules.FindSharedOAuthCapableAsync(backends, request.Name, cancellationToken);
        return await oauth.BeginAsync(backend.Settings, request.Subject, request.DefaultRedirectUri, cancellationToken);
    }
}
