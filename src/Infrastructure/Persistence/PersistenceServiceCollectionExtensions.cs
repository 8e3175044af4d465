using Microsoft.Extensions.DependencyInjection;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Presets;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.Infrastructure.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the connection factory of the configured engine, the <see cref="DatabaseMigrator"/> (call
    /// <see cref="DatabaseMigrator.MigrateAsync"/> before serving) and the repositories under their Domain ports.
    /// Repositories are singletons: they hold no state and open a pooled connection per call.
    /// </summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services, PersistenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        if (options.Dialect == SqlDialect.Postgres)
        {
            services.AddSingleton<IDbConnectionFactory>(_ => new NpgsqlConnectionFactory(options));
        }
        else
        {
            services.AddSingleton<IDbConnectionFactory>(_ => new SqliteConnectionFactory(options));
        }

        services.AddSingleton<DatabaseAvailability>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<IBackendServiceRepository, BackendServiceRepository>();
        services.AddSingleton<ITagScopeRepository, TagScopeRepository>();
        services.AddSingleton<IAuthorizationRequestRepository, AuthorizationRequestRepository>();
        services.AddSingleton<IPresetRepository, PresetRepository>();
        services.AddSingleton<IUserRepository, UserRepository>();
        services.AddSingleton<Application.Audit.IAuditRepository, AuditRepository>();
        return services;
    }
}
