using OneMcp.Application.Audit;
using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OneMcp.Api.Auth;

/// <summary>
/// Completes the RFC 8414 document OpenIddict builds: the registration endpoint (RFC 7591), public clients
/// (<c>none</c>), and the scopes of the tags the backends carry right now (so a reload shows at once).
/// </summary>
internal sealed class AuthorizationServerMetadataHandler(IBackendPool pool, AuthSettings settings) : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<AuthorizationServerMetadataHandler>()
        .SetOrder(int.MaxValue)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata["registration_endpoint"] = settings.Issuer.AbsoluteUri.TrimEnd('/') + RegistrationEndpoint.Path;
        context.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.None);
        context.RevocationEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.None);
        context.Scopes.Clear();
        context.Scopes.Add(Scopes.OfflineAccess);
        context.Scopes.Add(OAuthScopes.Admin);
        context.Scopes.UnionWith(OAuthScopes.Current(pool));
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Revoking a refresh token ends its whole family: the authorization it belongs to and every token issued
/// under it, access tokens included (they stop working on their next request).
/// </summary>
internal sealed class RevokeRefreshTokenFamilyHandler(IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens)
    : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
        .UseScopedHandler<RevokeRefreshTokenFamilyHandler>()
        .SetOrder(int.MaxValue - 100_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (context.IsRejected || context.GenericTokenPrincipal is not { } principal
            || principal.GetTokenType() != TokenTypeIdentifiers.RefreshToken
            || principal.GetAuthorizationId() is not { Length: > 0 } authorizationId)
        {
            return;
        }

        var authorization = await authorizations.FindByIdAsync(authorizationId, context.CancellationToken);
        if (authorization is not null)
        {
            await authorizations.TryRevokeAsync(authorization, context.CancellationToken);
        }

        await tokens.RevokeByAuthorizationIdAsync(authorizationId, context.CancellationToken);
    }
}

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

/// <summary>
/// One line per refused OAuth request (error and description only), since OpenIddict's own request logs are
/// silenced: they would print the PKCE verifier.
/// </summary>
internal sealed partial class LogRejectedRequestsHandler(ILogger<LogRejectedRequestsHandler> logger) :
    IOpenIddictServerHandler<ApplyAuthorizationResponseContext>,
    IOpenIddictServerHandler<ApplyTokenResponseContext>,
    IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
            .UseSingletonHandler<LogRejectedRequestsHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<LogRejectedRequestsHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
            .UseSingletonHandler<LogRejectedRequestsHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public ValueTask HandleAsync(ApplyAuthorizationResponseContext context) => Log("authorization", context.Response?.Error, context.Response?.ErrorDescription, context.Request?.ClientId);

    public ValueTask HandleAsync(ApplyTokenResponseContext context) => Log("token", context.Response?.Error, context.Response?.ErrorDescription, context.Request?.ClientId);

    public ValueTask HandleAsync(ApplyRevocationResponseContext context) => Log("revocation", context.Response?.Error, context.Response?.ErrorDescription, context.Request?.ClientId);

    private ValueTask Log(string endpoint, string? error, string? description, string? clientId)
    {
        if (!string.IsNullOrEmpty(error))
        {
            LogRejected(logger, endpoint, clientId ?? "(none)", error, description ?? string.Empty);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an OAuth {Endpoint} request of client {ClientId}: {Error} ({Description})")]
    private static partial void LogRejected(ILogger logger, string endpoint, string clientId, string error, string description);
}

/// <summary>
/// Audits every request to the revocation endpoint (RFC 7009): who revoked which kind of token for which client,
/// and a refused request with its OAuth error. Never the token itself.
/// </summary>
internal sealed class AuditRevocationHandler(IAuditLog audit, TimeProvider time) :
    IOpenIddictServerHandler<HandleRevocationRequestContext>,
    IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    private const string Name = "oauth/revoke";

    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseSingletonHandler<AuditRevocationHandler>().SetOrder(int.MaxValue - 50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
            .UseSingletonHandler<AuditRevocationHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (!context.IsRejected)
        {
            var principal = context.GenericTokenPrincipal;
            audit.Record(new AuditEntry(
                time.GetUtcNow(), AuditKinds.Revocation, AuditOutcomes.Success,
                principal?.GetClaim(Claims.Name), principal?.GetClaim(Claims.Subject), context.Request.ClientId,
                null, Name + (principal?.GetTokenType() is { } type ? " " + type : string.Empty), 0, null));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(ApplyRevocationResponseContext context)
    {
        if (context.Response?.Error is { Length: > 0 } error)
        {
            audit.Record(new AuditEntry(
                time.GetUtcNow(), AuditKinds.Revocation, AuditOutcomes.Failure, null, null, context.Request?.ClientId, null, Name, 0, error));
        }

        return ValueTask.CompletedTask;
    }
}
