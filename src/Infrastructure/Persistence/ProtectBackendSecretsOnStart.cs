using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Encrypts the secret values of backends stored before they were encrypted at rest. A hosted step rather than a
/// SQL migration: only the running gateway holds the Data Protection keys. It runs after the schema migration and
/// before the backend host reads the definitions; it is idempotent, so every start (and every replica) may run it.
/// </summary>
internal sealed partial class ProtectBackendSecretsOnStart(IBackendServiceRepository repository, ILogger<ProtectBackendSecretsOnStart> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (repository is not BackendServiceRepository store)
        {
            return;
        }

        var rewritten = await store.ProtectClearSecretsAsync(cancellationToken);
        if (rewritten > 0)
        {
            LogProtected(logger, rewritten);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted the env values, header values and OAuth client secrets of {Count} stored backend(s) that were kept in clear")]
    private static partial void LogProtected(ILogger logger, int count);
}
