using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace OneMcp.Infrastructure.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>Registers <see cref="Application.Users.IPasswordHasher"/> (Identity's v3 hasher with its default settings).</summary>
    public static IServiceCollection AddPasswordHashing(this IServiceCollection services)
    {
        services.AddOptions<PasswordHasherOptions>();
        services.TryAddSingleton<Application.Users.IPasswordHasher, IdentityPasswordHasher>();
        return services;
    }

    /// <summary>
    /// Makes <see cref="Application.Authorization.IOAuthGrantDirectory"/> read and revoke OpenIddict's clients and
    /// grants (replacing the empty directory of a gateway without OAuth server). Needs the OpenIddict core services;
    /// call it only when the authorization server is on.
    /// </summary>
    public static IServiceCollection AddOAuthGrantDirectory(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Replace(ServiceDescriptor.Scoped<Application.Authorization.IOAuthGrantDirectory, OpenIddictGrantDirectory>());
        return services;
    }

    /// <summary>
    /// Registers <see cref="OAuthPruningService"/>, which deletes old OpenIddict tokens and authorizations, decided
    /// or expired authorization requests and client registrations never used, on a schedule. Needs the OpenIddict core services (with the Dapper stores) and
    /// the persistence registrations; call it only when the authorization server is on.
    /// </summary>
    public static IServiceCollection AddOAuthPruning(this IServiceCollection services, Action<OAuthPruningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OAuthPruningOptions>()
            .Validate(o => o.FirstRunDelay >= TimeSpan.Zero && o.Interval > TimeSpan.Zero && o.Retention > TimeSpan.Zero && o.UnusedClientRetention > TimeSpan.Zero,
                "OAuth pruning needs a non-negative first-run delay and a positive interval, retention and unused-client retention.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OAuthPruningService>();
        // Once, however often this is called: the service is resolved as itself too (tests run a single pass).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OAuthPruningService>(sp => sp.GetRequiredService<OAuthPruningService>()));
        return services;
    }
}
