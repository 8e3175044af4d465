using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// Loads the Data Protection key ring (and creates the first key of a new database) once the gateway listens,
/// instead of before (ADR 0041). ASP.NET Core's own warm-up does the same work as a hosted service that every start
/// waits for, although it only pre-loads the ring and a failure there was never fatal; nothing the gateway does
/// before it listens needs the keys, except a stored secret, which loads them itself when it is read.
/// </summary>
internal sealed partial class KeyRingWarmUp(IHostApplicationLifetime lifetime, IDataProtectionProvider protection, ILogger<KeyRingWarmUp> logger)
    : IHostedService
{
    private const string Purpose = "OneMcp.KeyRingWarmUp";
    private CancellationTokenRegistration _started;
    private Task _loading = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = lifetime.ApplicationStarted.Register(() => _loading = Task.Run(Load, CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <summary>Waits for a load under way, so it never reads the database while the host disposes it.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _started.DisposeAsync();
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Load()
    {
        try
        {
            // Protecting needs the current key: the key ring is read, and a key is created when there is none.
            protection.CreateProtector(Purpose).Protect([]);
            LogLoaded(logger);
        }
        catch (Exception e) when (KeyRingRefusedException.In(e) is { } refused)
        {
            // No later try gets past it: the operator must configure the right key. Its message names fingerprints only.
            LogRefused(logger, refused.Message);
        }
        catch (Exception e)
        {
            // Not fatal, as before: the first use of the keys tries again. The type and message only.
            LogFailed(logger, e.GetType().Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Data Protection key ring loaded")]
    private static partial void LogLoaded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Data Protection key ring cannot be used: {Message}")]
    private static partial void LogRefused(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the Data Protection key ring after start ({Error}: {Message}); its first use will try again")]
    private static partial void LogFailed(ILogger logger, string error, string message);
}

public static class KeyRingWarmUpServiceCollectionExtensions
{
    // ASP.NET Core's internal hosted service that loads the key ring before the server starts.
    private const string FrameworkWarmUp = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    /// <summary>
    /// Replaces ASP.NET Core's key ring warm-up before start with <see cref="KeyRingWarmUp"/> after it. Call it once every
    /// service is registered: each <c>AddDataProtection</c> (the OAuth server's among them) registers the framework's again.
    /// </summary>
    public static IServiceCollection LoadKeyRingAfterStart(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService) && services[i].ImplementationType?.FullName == FrameworkWarmUp)
            {
                services.RemoveAt(i);
            }
        }

        services.AddHostedService<KeyRingWarmUp>();
        return services;
    }
}
