using OneMcp.Application.Authorization;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// <see cref="IOAuthClientRegistry"/> over OpenIddict's application manager (the loopback-aware one, on the Dapper
/// stores). A registered client may use the authorization, token and revocation endpoints with the authorization-code
/// grant and PKCE (always required), and the refresh-token grant only when it registered it.
/// </summary>
internal sealed class OpenIddictClientRegistry(IOpenIddictApplicationManager applications) : IOAuthClientRegistry
{
    public async Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return null;
        }

        return new OAuthClient(
            clientId,
            await applications.GetDisplayNameAsync(application, cancellationToken),
            await applications.HasPermissionAsync(application, Permissions.GrantTypes.RefreshToken, cancellationToken));
    }

    public async Task RegisterAsync(OAuthClientRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        await applications.CreateAsync(Describe(registration), cancellationToken);
    }

    /// <summary>The OpenIddict application of a client: its endpoints, grants and PKCE, always.</summary>
    internal static OpenIddictApplicationDescriptor Describe(OAuthClientRegistration registration)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = registration.ClientId,
            ClientType = registration.IsPublic ? ClientTypes.Public : ClientTypes.Confidential,
            ApplicationType = registration.ApplicationType,
            DisplayName = registration.DisplayName,
            ClientSecret = registration.ClientSecret,
        };
        foreach (var uri in registration.RedirectUris)
        {
            descriptor.RedirectUris.Add(uri);
        }

        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code]);
        if (registration.MayRefresh)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        return descriptor;
    }
}
