using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Infrastructure.Persistence.DataProtection;

namespace OneMcp.Infrastructure.Backends.OAuth;

public static class BackendOAuthServiceCollectionExtensions
{
    /// <summary>The gateway as an OAuth client of its backends, with credentials encrypted by Data Protection (keys in the database).</summary>
    public static IServiceCollection AddBackendOAuth(this IServiceCollection services, KeyRingEncryptionKey? keyRingEncryption)
    {
        // Cookies, the gateway's own tokens and backend credentials are protected with keys kept in the database
        // (encrypted with a key kept outside it): valid across restarts and replicas. Backend OAuth works with or
        // without --enable-auth, so this is always on.
        services.AddGatewayDataProtection(keyRingEncryption);
        services.AddSingleton<BackendCredentialStore>();
        // A backend's answers name the URLs fetched next: every connection is checked against SSRF targets.
        services.AddSingleton(_ => new BackendOAuthHttp(OutboundAddressGuard.CreateClient()));
        services.AddSingleton<BackendRefreshLock>();
        services.AddSingleton<BackendTokenSource>();
        services.AddSingleton<BackendOAuthFlow>();
        services.AddSingleton<IBackendOAuth, BackendOAuth>();
        return services;
    }
}
