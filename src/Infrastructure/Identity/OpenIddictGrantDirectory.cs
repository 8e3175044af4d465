using OneMcp.Application.Authorization;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// <see cref="IOAuthGrantDirectory"/> over OpenIddict's managers (and so the Dapper stores). Revocations go
/// through the stores, which bump <see cref="Persistence.OpenIddict.OAuthStoreChanges"/>: the validated-token
/// cache empties and the revoked token's next request fails the authorization/token entry validation.
/// </summary>
internal sealed class OpenIddictGrantDirectory(
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictTokenManager tokens) : IOAuthGrantDirectory
{
    public async Task<IReadOnlyList<OAuthClientRecord>> ListClientsAsync(CancellationToken cancellationToken)
    {
        var clients = new List<OAuthClientRecord>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            var id = await applications.GetIdAsync(application, cancellationToken);
            var clientId = await applications.GetClientIdAsync(application, cancellationToken);
            if (id is null || clientId is null)
            {
                continue;
            }

            var grants = new List<OAuthGrantRecord>();
            await foreach (var authorization in authorizations.FindByApplicationIdAsync(id, cancellationToken))
            {
                if (await ValidGrantAsync(authorization, clientId, cancellationToken) is { } grant)
                {
                    grants.Add(grant);
                }
            }

            clients.Add(new OAuthClientRecord(
                clientId,
                await applications.GetDisplayNameAsync(application, cancellationToken),
                await applications.GetClientTypeAsync(application, cancellationToken),
                [.. (await applications.GetRedirectUrisAsync(application, cancellationToken)).Order(StringComparer.Ordinal)],
                grants));
        }

        return [.. clients.OrderBy(c => c.ClientId, StringComparer.Ordinal)];
    }

    public async Task<OAuthGrantRecord?> FindGrantAsync(string grantId, CancellationToken cancellationToken)
    {
        var authorization = await authorizations.FindByIdAsync(grantId, cancellationToken);
        if (authorization is null)
        {
            return null;
        }

        var applicationId = await authorizations.GetApplicationIdAsync(authorization, cancellationToken);
        var application = applicationId is null ? null : await applications.FindByIdAsync(applicationId, cancellationToken);
        var clientId = application is null ? null : await applications.GetClientIdAsync(application, cancellationToken);
        return await ValidGrantAsync(authorization, clientId ?? string.Empty, cancellationToken);
    }

    public async Task<bool> RevokeGrantAsync(string grantId, CancellationToken cancellationToken)
    {
        var authorization = await authorizations.FindByIdAsync(grantId, cancellationToken);
        if (authorization is null || !await authorizations.HasStatusAsync(authorization, OpenIddictConstants.Statuses.Valid, cancellationToken))
        {
            return false;
        }

        // The tokens too: an access token is refused once its authorization is revoked, but a refresh token
        // left valid would be a loose end, and token entry validation refuses the access tokens directly.
        var revoked = await authorizations.TryRevokeAsync(authorization, cancellationToken);
        await tokens.RevokeByAuthorizationIdAsync(grantId, cancellationToken);
        return revoked;
    }

    public async Task RevokeSubjectAsync(string subject, CancellationToken cancellationToken)
    {
        await authorizations.RevokeBySubjectAsync(subject, cancellationToken);
        await tokens.RevokeBySubjectAsync(subject, cancellationToken);
    }

    private async Task<OAuthGrantRecord?> ValidGrantAsync(object authorization, string clientId, CancellationToken cancellationToken)
    {
        if (!await authorizations.HasStatusAsync(authorization, OpenIddictConstants.Statuses.Valid, cancellationToken)
            || await authorizations.GetIdAsync(authorization, cancellationToken) is not { } id)
        {
            return null;
        }

        return new OAuthGrantRecord(
            id,
            clientId,
            await authorizations.GetSubjectAsync(authorization, cancellationToken),
            [.. await authorizations.GetScopesAsync(authorization, cancellationToken)],
            await authorizations.GetCreationDateAsync(authorization, cancellationToken));
    }
}

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
