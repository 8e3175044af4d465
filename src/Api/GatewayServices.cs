using OneMcp.Application;
using OneMcp.Infrastructure;
using OneMcp.Infrastructure.Audit;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Diagnostics;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OneMcp.Infrastructure.Replication;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Api;

/// <summary>
/// The composition root: the gateway's services without the web host, one registration for <c>serve</c> (to which
/// <see cref="GatewayApp"/> adds the HTTP parts) and for every CLI command, so a command runs on the very services
/// the gateway runs on (ADR 0018).
/// </summary>
internal static class GatewayServices
{
    public static IServiceCollection AddGatewayServices(this IServiceCollection services, ServeOptions options, Func<string, string?> environment)
    {
        services.AddApplication();
        services.AddSingleton(sp => new Application.Connections.MyConnectionsLink(
            () => sp.GetService<Infrastructure.Identity.AuthSettings>()?.Issuer ?? options.PublicUrl));
        services.AddInfrastructure(new BackendHostOptions
        {
            ConfigPath = options.ConfigPath,
            AsyncLoading = options.AsyncLoading,
            InitialConfiguration = options.Configuration,
            Watcher = new McpConfigWatcherOptions { Debounce = options.ConfigReloadDebounce },
        }, new PersistenceOptions
        {
            ConnectionString = options.ConnectionString,
            DataDirectory = options.DataDirectory ?? ServeOptions.DefaultDataDirectory(environment),
        }, new AuditOptions { Enabled = options.AuditEnabled, Retention = options.AuditRetention });
        services.AddSessionRelay(new ReplicaOptions { Url = options.ReplicaAddress });
        services.AddGatewayDiagnostics(options.Metrics, environment, tracing => tracing.AddGatewayInstrumentation(Http.JsonRpcErrors.IsMcpPath));
        return services;
    }

    /// <summary>
    /// The services of a CLI command on <paramref name="storage"/>: those of the gateway, with the OAuth store whether
    /// or not the gateway runs with <c>--enable-auth</c> (removing a user revokes their grants and tokens in it, which a
    /// running gateway honours at once). Nothing is started: no host runs the hosted services.
    /// </summary>
    public static ServiceProvider BuildForCommand(StorageOptions storage, Action<ILoggingBuilder> logging)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var services = new ServiceCollection();
        services.AddLogging(logging);
        services.AddGatewayServices(new ServeOptions { ConnectionString = storage.ConnectionString, DataDirectory = storage.DataDirectory }, Environment.GetEnvironmentVariable);
        services.AddOAuthStore();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }
}
