using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
}
