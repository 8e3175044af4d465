using OneMcp.Application.Authorization.ClientIdMetadata;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OneMcp.Infrastructure.Identity.ClientIdMetadata;

/// <summary>
/// Client ID Metadata Documents on the authorization endpoint: when the client_id is a URL, the document is resolved
/// (and its client stored) before OpenIddict looks the client up, so the usual checks (redirect URI among the
/// document's, PKCE, public client) then apply. A document that cannot be used ends the request with
/// <c>invalid_request</c> (RFC 6749 §4.1.2.1 has no <c>invalid_client</c> for this endpoint) and its reason, answered
/// on the page since no redirect URI is trusted yet.
/// </summary>
internal sealed class ClientMetadataDocumentHandler(ClientMetadataResolver resolver) : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseScopedHandler<ClientMetadataDocumentHandler>()
        // Before the client is authenticated and looked up, which the stored application then satisfies.
        .SetOrder(OpenIddictServerHandlers.Authentication.ValidateAuthentication.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var clientId = context.Request.ClientId;
        if (!ClientIdUrl.LooksLikeUrl(clientId))
        {
            return;
        }

        var (client, problem) = await resolver.ResolveAsync(clientId!, context.CancellationToken);
        if (client is null)
        {
            context.Reject(Errors.InvalidRequest, problem);
        }
    }
}
