using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Backends;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.Infrastructure;

public static class DependencyInjection
{
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, BackendHostOptions backendOptions)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(backendOptions);
        services.AddSingleton<McpClientFactory>();
        services.AddSingleton<BackendPool>();
        services.AddSingleton<IBackendPool>(sp => sp.GetRequiredService<BackendPool>());
        services.AddHostedService<BackendHost>();
        return services;
    }
}
