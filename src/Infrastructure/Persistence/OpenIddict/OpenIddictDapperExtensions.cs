using Microsoft.Extensions.DependencyInjection;

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
}
