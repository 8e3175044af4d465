using MediatR;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Connections.Commands;

public sealed class StartMyConnectionAuthorizationHandler(IBackendPool pool, IUserBackendOAuth oauth)
    : IRequestHandler<StartMyConnectionAuthorizationCommand, Uri>
{
    public Task<Uri> Handle(StartMyConnectionAuthorizationCommand request, CancellationToken cancellationToken)
    {
        var backend = ConnectionRules.FindPerUser(pool, request.Backend);
        return oauth.BeginAsync(ConnectionRules.OAuthCapable(backend), request.Owner, request.RedirectUri, cancellationToken);
    }
}
