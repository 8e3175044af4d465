using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Completes the RFC 8414 document OpenIddict builds: the registration endpoint (RFC 7591), the client
/// authentication methods registration accepts (<see cref="ClientMetadata.TokenEndpointAuthMethods"/>, public clients'
/// <c>none</c> among them), Client ID Metadata Documents, and the scopes of the tags the backends carry right now (so a reload shows at once).
/// </summary>
internal sealed class AuthorizationServerMetadataHandler(IBackendPool pool, OAuthServerIdentity identity, OAuthServerOptions options) : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<AuthorizationServerMetadataHandler>()
        .SetOrder(int.MaxValue)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata["registration_endpoint"] = identity.Issuer.AbsoluteUri.TrimEnd('/') + options.RegistrationPath;
        context.Metadata["client_id_metadata_document_supported"] = true;
        // What registration accepts, and nothing else: a client that picks an advertised method can register with it.
        context.TokenEndpointAuthenticationMethods.Clear();
        context.TokenEndpointAuthenticationMethods.UnionWith(ClientMetadata.TokenEndpointAuthMethods);
        context.RevocationEndpointAuthenticationMethods.Clear();
        context.RevocationEndpointAuthenticationMethods.UnionWith(ClientMetadata.TokenEndpointAuthMethods);

        // The prompt values /authorize honours: a consent is always asked for, and none shows no page. A signed-in user
        // is not asked to sign in again (login) nor to pick an account (select_account).
        context.PromptValues.Clear();
        context.PromptValues.UnionWith([PromptValues.Consent, PromptValues.None]);
        context.Scopes.Clear();
        context.Scopes.Add(Scopes.OfflineAccess);
        context.Scopes.Add(OAuthScopes.Admin);
        context.Scopes.UnionWith(OAuthScopes.Current(pool));
        return ValueTask.CompletedTask;
    }
}
