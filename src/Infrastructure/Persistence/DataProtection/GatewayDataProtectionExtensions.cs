using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

public static class GatewayDataProtectionExtensions
{
    /// <summary>The Data Protection application name: payloads protected by one gateway replica unprotect on another.</summary>
    public const string ApplicationName = "OneMcp";

    /// <summary>
    /// ASP.NET Core Data Protection with its key ring in the gateway's database (<see cref="DapperXmlRepository"/>
    /// over the registered <see cref="IDbConnectionFactory"/>) and a fixed application name. Why: the default key
    /// ring lives in a per-machine directory, so each replica (or a container after a restart) would get its own keys
    /// and could not read the cookies, authorization codes and stored backend credentials protected by another.
    /// With the keys in the shared database, every replica uses the same key ring. Needs <c>AddPersistence</c>.
    /// With <paramref name="encryption"/>, the key ring is encrypted before it is written (<see cref="KeyRingEncryptionKey"/>).
    /// </summary>
    public static IDataProtectionBuilder AddGatewayDataProtection(this IServiceCollection services, KeyRingEncryptionKey? encryption = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<DapperXmlRepository>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<DapperXmlRepository>((options, repository) => options.XmlRepository = repository);
        if (encryption is not null)
        {
            services.AddSingleton(encryption);
            services.Configure<KeyManagementOptions>(options => options.XmlEncryptor = new KeyRingXmlEncryptor(encryption));
        }

        return services.AddDataProtection().SetApplicationName(ApplicationName);
    }
}
