using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OneMcp.Application.Audit;
using OneMcp.Application.Backends;
using OneMcp.Application.Users.Commands;
using OneMcp.Infrastructure.Audit;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.DataProtection;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.Infrastructure;

public static class DependencyInjection
{
    /// <summary>Backends, configuration, the store and the hosted services that bring them up in order.</summary>
    public static IServiceCollection AddInfrastructure(
        this IServiceCollection services, BackendHostOptions backendOptions, PersistenceOptions persistence, AuditOptions? audit = null)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(backendOptions);
        services.AddSingleton<McpClientFactory>();
        services.AddSingleton<BackendPool>();
        services.AddSingleton<Backends.PerUser.PerUserBackends>();
        services.AddSingleton<Application.Connections.IPerUserBackends>(sp => sp.GetRequiredService<Backends.PerUser.PerUserBackends>());
        services.AddSingleton<IBackendPool>(sp => sp.GetRequiredService<BackendPool>());
        services.AddSingleton<IBackendRuntime>(sp => sp.GetRequiredService<BackendPool>());
        services.AddSingleton<IBackendDefinitionAssembler, BackendDefinitionAssembler>();
        services.AddPasswordHashing();
        services.AddSingleton<Application.Gateway.InputRequests.IRequestStateProtector, RequestStateProtector>();

        // No OAuth server until AddGatewayAuth replaces it: no clients, no grants (see NoOAuthServerGrantDirectory).
        services.TryAddSingleton<Application.Authorization.IOAuthGrantDirectory, NoOAuthServerGrantDirectory>();
        services.AddPersistence(persistence);

        // First of all: a second gateway on the same SQLite file stops here, before it migrates or syncs anything.
        if (persistence.Dialect == SqlDialect.Sqlite)
        {
            services.AddHostedService<SqliteServeLock>();
        }

        // Registered before the backend host: hosted services start in order, and the sync needs the schema.
        services.AddHostedService<MigrateOnStart>();
        services.AddChangeFeed(persistence);

        // After the migration: Data Protection reads its key ring from the database when it starts.
        services.AddBackendOAuth(KeyRingEncryptionKey.Resolve(persistence, Environment.GetEnvironmentVariable));
        services.AddUserConnections();

        // Backend secrets written before they were encrypted at rest, once the keys can be read and before any use.
        services.AddHostedService<ProtectBackendSecretsOnStart>();

        // The first admin, once the users table exists (the variables are read once, here).
        services.TryAddSingleton(EnsureAdminFromEnvironmentCommand.FromEnvironment(Environment.GetEnvironmentVariable));
        services.AddHostedService<EnsureAdminOnStart>();

        services.AddHostedService<BackendHost>();
        services.AddAuditLog(audit ?? new AuditOptions());
        return services;
    }

    /// <summary>
    /// The audit log: a bounded queue on the hot path, a batching writer and a pruning loop behind it; or, with
    /// <c>--disable-audit</c>, nothing recorded and nothing pruned.
    /// </summary>
    private static IServiceCollection AddAuditLog(this IServiceCollection services, AuditOptions options)
    {
        services.AddSingleton(options);
        if (!options.Enabled)
        {
            // Entries are taken and kept nowhere; stored ones stay readable and unpruned.
            services.AddSingleton<IAuditLog>(NullAuditLog.Instance);
            services.AddSingleton<IAuditLogStatistics>(NullAuditLog.Instance);
            services.AddHostedService<AuditOffNotice>();
            return services;
        }

        services.AddSingleton<ChannelAuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<ChannelAuditLog>());
        services.AddSingleton<IAuditLogStatistics>(sp => sp.GetRequiredService<ChannelAuditLog>());
        services.AddHostedService<AuditWriter>();
        services.AddHostedService<AuditPruningService>();
        return services;
    }
}
