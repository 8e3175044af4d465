using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Connections;

namespace OneMcp.Infrastructure.Connections;

public static class UserConnectionServiceCollectionExtensions
{
    /// <summary>
    /// Each user's own connections to per-user backends (ADR 0033): the encrypted store and each user's own OAuth flow. Needs the Data Protection
    /// key ring <see cref="Backends.OAuth.BackendOAuthServiceCollectionExtensions.AddBackendOAuth"/> sets up.
    /// </summary>
    public static IServiceCollection AddUserConnections(this IServiceCollection services)
    {
        services.AddSingleton<UserConnectionStore>();
        services.AddSingleton<IUserConnectionStore>(sp => sp.GetRequiredService<UserConnectionStore>());
        services.AddSingleton<IUserBackendOAuth, UserBackendOAuth>();
        return services;
    }
}
