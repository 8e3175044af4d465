using Dapper;
using OneMcp.Application.Authorization;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// <see cref="IOAuthGrantDirectory"/> over OpenIddict's managers (and so the Dapper stores). Revocations go
/// through the stores, which bump <see cref="OAuthStoreChanges"/>: the validated-token
/// cache empties and the revoked token's next request fails the authorization/token entry validation.
/// </summary>
internal sealed class OpenIddictGrantDirectory(
    IDbConnectionFactory connections,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictTokenManager tokens) : IOAuthGrantDirectory
{
    /// <summary>
    /// One query, whatever the number of clients (the dashboard lists them all): every client joined to its valid
    /// authorizations, read straight from the Dapper stores' tables. Going through the managers took a query per client.
    /// </summary>
    public async Task<IReadOnlyList<OAuthClientRecord>> ListClientsAsync(CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Valid", OpenIddictConstants.Statuses.Valid);
        var rows = await OidcStoreSupport.QueryAsync<ClientGrantRow>(connections,
            "SELECT a.client_id AS ClientId, a.display_name AS DisplayName, a.client_type AS ClientType, a.redirect_uris AS RedirectUris, " +
            "z.id AS GrantId, z.subject AS Subject, z.scopes AS Scopes, z.creation_date AS CreatedAt " +
            "FROM openiddict_applications a LEFT JOIN openiddict_authorizations z ON z.application_id = a.id AND z.status = @Valid " +
            "WHERE a.client_id IS NOT NULL",
            parameters, cancellationToken);

        return [.. rows
            .GroupBy(r => r.ClientId, StringComparer.Ordinal)
            .Select(client =>
            {
                var first = client.First();
                return new OAuthClientRecord(
                    client.Key,
                    first.DisplayName,
                    first.ClientType,
                    [.. OidcStoreSupport.ArrayFromJson(first.RedirectUris).Order(StringComparer.Ordinal)],
                    [.. client.Where(r => r.GrantId is not null).Select(r => new OAuthGrantRecord(
                        r.GrantId!, client.Key, r.Subject, [.. OidcStoreSupport.ArrayFromJson(r.Scopes)], DbValues.ReadNullableTime(r.CreatedAt)))]);
            })
            .OrderBy(c => c.ClientId, StringComparer.Ordinal)];
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

    /// <summary>A client with one of its valid authorizations, or with none (the grant columns null).</summary>
    private sealed class ClientGrantRow
    {
        public string ClientId { get; set; } = "";

        public string? DisplayName { get; set; }

        public string? ClientType { get; set; }

        public string? RedirectUris { get; set; }

        public string? GrantId { get; set; }

        public string? Subject { get; set; }

        public string? Scopes { get; set; }

        public object? CreatedAt { get; set; }
    }
}
