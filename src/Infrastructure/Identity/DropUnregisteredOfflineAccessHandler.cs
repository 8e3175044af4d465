using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// A client that did not register the refresh_token grant gets no refresh token, whether or not it asks
/// for <c>offline_access</c>: the scope is dropped from its request instead of failing the whole sign-in.
/// </summary>
internal sealed class DropUnregisteredOfflineAccessHandler(IOpenIddictApplicationManager applications)
    : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseScopedHandler<DropUnregisteredOfflineAccessHandler>()
        .SetOrder(OpenIddictServerHandlers.Authentication.ValidateGrantTypePermissions.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
    {
        if (!context.Request.HasScope(Scopes.OfflineAccess) || string.IsNullOrEmpty(context.ClientId))
        {
            return;
        }

        var application = await applications.FindByClientIdAsync(context.ClientId, context.CancellationToken);
        if (application is not null && !await applications.HasPermissionAsync(application, Permissions.GrantTypes.RefreshToken, context.CancellationToken))
        {
            context.Request.Scope = string.Join(' ', context.Request.GetScopes().Where(s => s != Scopes.OfflineAccess));
        }
    }
}
