using OneMcp.Application.Authorization;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Without <c>--enable-auth</c> the gateway runs no OAuth server: no client can register and no grant exists.
/// The endpoints stay mapped and answer the truth (an empty list, 404 for a grant) instead of failing to
/// resolve a service, so the dashboard needs no special case.
/// </summary>
internal sealed class NoOAuthServerGrantDirectory : IOAuthGrantDirectory
{
    public Task<IReadOnlyList<OAuthClientRecord>> ListClientsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<OAuthClientRecord>>([]);

    public Task<OAuthGrantRecord?> FindGrantAsync(string grantId, CancellationToken cancellationToken) => Task.FromResult<OAuthGrantRecord?>(null);

    public Task<bool> RevokeGrantAsync(string grantId, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task RevokeSubjectAsync(string subject, CancellationToken cancellationToken) => Task.CompletedTask;
}
