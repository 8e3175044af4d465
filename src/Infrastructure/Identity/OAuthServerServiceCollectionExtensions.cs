using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Infrastructure.Identity.ClientIdMetadata;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Infrastructure.Identity;

public static class OAuthServerServiceCollectionExtensions
{
    /// <summary>
    /// The gateway as an OAuth 2.1 authorization server (OpenIddict on the gateway's own database, with PKCE, refresh
    /// rotation and reuse detection) and as the validator of its own access tokens, with the registered-client
    /// directory, the grant directory, pruning and the validated-token cache. The host maps the endpoints (the
    /// authorization and token endpoints are passthrough: the host decides and signs in) and the sign-in cookie.
    /// </summary>
    public static IServiceCollection AddOAuthServer(this IServiceCollection services, OAuthServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(options.Identity);
        services.TryAddSingleton<OAuthStoreChanges>();
        services.AddSingleton<ValidatedTokenCache>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LiveTokenRequests>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveTokenRequests>());
        services.AddScoped<IOAuthClientRegistry, OpenIddictClientRegistry>();

        services.AddSingleton<ClientMetadataCache>();
        services.AddSingleton<ClientMetadataFetcher>();
        services.AddScoped<ClientMetadataResolver>();
        ClientMetadataFetcher.AddHttpClient(services, sp => ClientMetadataResolver.AllowsLoopback(sp.GetRequiredService<OAuthServerIdentity>()));

        services.AddOAuthPruning();
        services.AddOAuthGrantDirectory();

        services.AddOpenIddict()
            .AddCore(core => core
                .UseDapperStores()
                .ReplaceApplicationManager(typeof(LoopbackRedirectApplicationManager<>)))
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(options.AuthorizationPath.TrimStart('/'))
                    .SetTokenEndpointUris(options.TokenPath.TrimStart('/'))
                    .SetRevocationEndpointUris(options.RevocationPath.TrimStart('/'))
                    .SetConfigurationEndpointUris(GatewayAuthPaths.AuthorizationServerMetadata.TrimStart('/'), GatewayAuthPaths.OpenIdConfiguration.TrimStart('/'))
                    .SetJsonWebKeySetEndpointUris(GatewayAuthPaths.Jwks.TrimStart('/'));
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange().AllowRefreshTokenFlow();
                server.Configure(o =>
                {
                    o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);

                    // The token and revocation endpoints take the secrets registration hands out, and no signed
                    // assertion (private_key_jwt): no client registers a key. "none" is every public client's.
                    o.ClientAuthenticationMethods.Clear();
                    o.ClientAuthenticationMethods.UnionWith(ClientMetadata.TokenEndpointAuthMethods.Where(m => m != ClientMetadata.None));
                });

                // Tag scopes come and go with the backends: they are checked on the consent page, not registered.
                server.RegisterScopes(Scopes.OfflineAccess).DisableScopeValidation().IgnoreScopePermissions();
                server.IgnoreResourcePermissions();

                server.SetAccessTokenLifetime(options.AccessTokenLifetime)
                    .SetAuthorizationCodeLifetime(OAuthServerOptions.AuthorizationCodeLifetime)
                    .SetRefreshTokenLifetime(OAuthServerOptions.RefreshFamilyLifetime)
                    .DisableSlidingRefreshTokenExpiration()
                    .SetRefreshTokenReuseLeeway(TimeSpan.Zero);

                // Tokens are Data Protection payloads (keys shared through the database), so they survive a
                // restart and work on every replica; the asymmetric keys only sign what nobody here verifies.
                server.UseDataProtection();
                server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
                server.AddEventHandler(AuthorizationServerMetadataHandler.Descriptor);
                server.AddEventHandler(RejectRepeatedParametersHandler.Descriptor);
                server.AddEventHandler(ClientMetadataDocumentHandler.Descriptor);
                server.AddEventHandler(RevokeRefreshTokenFamilyHandler.Descriptor);
                foreach (var descriptor in AuditRevocationHandler.Descriptors)
                {
                    server.AddEventHandler(descriptor);
                }

                server.AddEventHandler(DropUnregisteredOfflineAccessHandler.Descriptor);
                foreach (var descriptor in LogRejectedRequestsHandler.Descriptors)
                {
                    server.AddEventHandler(descriptor);
                }
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.UseDataProtection();
                validation.UseAspNetCore();

                // Revocation (and a refresh-token replay that revoked a family) applies on the next request.
                validation.EnableTokenEntryValidation();
                validation.EnableAuthorizationEntryValidation();
            });

        // The issuer, the one resource (RFC 8707) and the tokens' audience are the gateway's own URL.
        services.AddOptions<OpenIddictServerOptions>().Configure<OAuthServerIdentity>((server, identity) =>
        {
            server.Issuer = identity.Issuer;
            server.Resources.Add(new Uri(identity.Resource));
        });
        services.AddOptions<OpenIddictValidationOptions>().Configure<OAuthServerIdentity>(
            (validation, identity) => validation.Audiences.Add(identity.Resource));
        return services;
    }
}
