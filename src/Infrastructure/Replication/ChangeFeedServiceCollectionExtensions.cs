using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Replication;

public static class ChangeFeedServiceCollectionExtensions
{
    /// <summary>
    /// The change feed (ADR 0030): on PostgreSQL, NOTIFY to publish and a hosted listener that follows the other
    /// replicas (register it after the migration and before the backends are first loaded); on SQLite, one process
    /// and nothing to tell. The CLI publishes too (no host runs the listener there).
    /// </summary>
    public static IServiceCollection AddChangeFeed(this IServiceCollection services, PersistenceOptions persistence)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        services.TryAddSingleton<OAuthStoreChanges>();
        services.TryAddSingleton<IOAuthStateCaches>(sp => sp.GetRequiredService<OAuthStoreChanges>());
        if (persistence.Dialect == SqlDialect.Postgres)
        {
            services.AddSingleton<IChangeFeed, PostgresChangeFeed>();
            services.AddSingleton<ChangeFeedDispatcher>();
            services.AddHostedService<PostgresChangeFeedListener>();
        }
        else
        {
            services.AddSingleton<IChangeFeed, SingleProcessChangeFeed>();
        }

        return services;
    }
}
