using Microsoft.Extensions.DependencyInjection;
using OneMcp.Infrastructure.Persistence.DataProtection;

namespace OneMcp.Infrastructure.Replication;

public static class SessionRelayServiceCollectionExtensions
{
    /// <summary>
    /// Legacy sessions reachable from every replica (ADR 0031): this replica in <c>replicas</c> with its heartbeat,
    /// the owners of sessions, and the authenticated hop. Register after the infrastructure: the hop key derives
    /// from the key-ring key, and the heartbeat needs the migrated schema.
    /// </summary>
    public static IServiceCollection AddSessionRelay(this IServiceCollection services, ReplicaOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<ReplicaStore>();
        services.AddSingleton<SessionDirectory>();
        services.AddSingleton(sp => RelayKey.From(sp.GetService<KeyRingEncryptionKey>()
            ?? throw new InvalidOperationException($"Relaying sessions between replicas needs {KeyRingEncryptionKey.EnvironmentVariable}.")));
        services.AddSingleton<SessionRelay>();
        services.AddHostedService<ReplicaRegistry>();
        services.AddHttpClient(SessionRelay.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler
            {
                // Streams (SSE) last as long as the session: no overall timeout, nothing buffered or rewritten on the way.
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            })
            // The default handlers would log every hop's URL, session id included.
            .RemoveAllLoggers();
        return services;
    }
}
