using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

public static class OpenIddictDapperExtensions
{
    /// <summary>
    /// Makes OpenIddict keep its applications, authorizations, scopes and tokens in the gateway's own database
    /// (SQLite or PostgreSQL, through the registered <see cref="IDbConnectionFactory"/>): sets the four default entity
    /// types and replaces the four stores with the Dapper ones. The schema comes from the regular migrations.
    /// </summary>
    public static OpenIddictCoreBuilder UseDapperStores(this OpenIddictCoreBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .SetDefaultApplicationEntity<OidcApplication>()
            .SetDefaultAuthorizationEntity<OidcAuthorization>()
            .SetDefaultScopeEntity<OidcScope>()
            .SetDefaultTokenEntity<OidcToken>()
            .ReplaceApplicationStore<OidcApplication, DapperApplicationStore>()
            .ReplaceAuthorizationStore<OidcAuthorization, DapperAuthorizationStore>()
            .ReplaceScopeStore<OidcScope, DapperScopeStore>()
            .ReplaceTokenStore<OidcToken, DapperTokenStore>();
    }

    /// <summary>
    /// OpenIddict's core services on the Dapper stores, the store-change signal, and the grant directory that reads and
    /// revokes clients and grants in them: what a command needs to honour OAuth grants without running the OAuth server.
    /// </summary>
    public static IServiceCollection AddOAuthStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<OAuthStoreChanges>();
        services.AddOpenIddict().AddCore(core => core.UseDapperStores());
        services.AddOAuthGrantDirectory();
        return services;
    }
}
