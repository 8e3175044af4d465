using Microsoft.Extensions.Logging;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Backends;

/// <summary>
/// The stored backends (mcp.json ∪ API) and the running pool kept in step: every change to the store is
/// followed by <see cref="IBackendRuntime.ApplyAsync"/> with every stored backend's effective settings, and told to
/// the other replicas (<see cref="IChangeFeed"/>), which <see cref="ReloadAsync"/>.
/// </summary>
public sealed partial class BackendCatalog(
    IBackendServiceRepository repository,
    IBackendRuntime runtime,
    BackendCatalogGate gate,
    IChangeFeed changes,
    TimeProvider time,
    ILogger<BackendCatalog> logger)
{
    /// <summary>Runs <paramref name="change"/> against the store, then brings the pool to the stored state.</summary>
    public async Task<T> ChangeAsync<T>(Func<Task<T>> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        using (await gate.EnterAsync(cancellationToken))
        {
            var result = await change();

            // The change is committed: the pool must follow it even if the caller went away meanwhile.
            await ApplyStoredAsync(waitForConnections: false, CancellationToken.None);
            await changes.PublishAsync(new GatewayChange(GatewayChangeKind.Backends), CancellationToken.None);
            return result;
        }
    }

    /// <summary>Another replica changed the stored backends: the pool is brought to the stored state (nothing is published).</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        using (await gate.EnterAsync(cancellationToken))
        {
            await ApplyStoredAsync(waitForConnections: false, cancellationToken);
        }
    }

    /// <summary>
    /// Makes the stored config backends match mcp.json (add, update, remove; each keeps its Enabled switch),
    /// then runs config ∪ API backends. A config entry whose name an API backend holds is reported and skipped.
    /// </summary>
    public async Task<ConfigSyncReport> SyncConfigAsync(IReadOnlyList<BackendSettings> configured, bool waitForConnections, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configured);
        using (await gate.EnterAsync(cancellationToken))
        {
            var now = time.GetUtcNow();
            var stored = await repository.ListAsync(cancellationToken);
            var byName = new Dictionary<string, BackendService>(StringComparer.OrdinalIgnoreCase);
            foreach (var backend in stored)
            {
                byName.TryAdd(backend.Name.Value, backend);
            }

            int added = 0, updated = 0, removed = 0;
            var skipped = new List<string>();
            var inFile = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var settings in configured)
            {
                inFile.Add(settings.Name.Value);
                try
                {
                    if (!byName.TryGetValue(settings.Name.Value, out var existing))
                    {
                        await repository.AddAsync(BackendService.Register(settings, BackendOrigin.Config, now), cancellationToken);
                        added++;
                    }
                    else if (existing.Origin == BackendOrigin.Api)
                    {
                        skipped.Add(settings.Name.Value);
                    }
                    else if (existing.Name != settings.Name)
                    {
                        // Renamed in case only: a different server as far as capability names go.
                        await repository.RemoveAsync(existing.Id, cancellationToken);
                        await repository.AddAsync(BackendService.Register(settings, BackendOrigin.Config, now), cancellationToken);
                        updated++;
                    }
                    else if (existing.Settings.RequiresReconnectComparedTo(settings) || existing.Settings.MetadataDiffersFrom(settings))
                    {
                        existing.SyncFromConfig(settings, now);
                        await repository.UpdateAsync(existing, cancellationToken);
                        updated++;
                    }
                }
                catch (Exception e) when (e is ConcurrencyConflictException or DuplicateNameException)
                {
                    // Another replica synced the same file at the same moment; its write stands.
                    LogConcurrentSync(logger, settings.Name.Value, e.Message);
                }
            }

            foreach (var backend in stored)
            {
                if (backend.Origin == BackendOrigin.Config && !inFile.Contains(backend.Name.Value))
                {
                    await repository.RemoveAsync(backend.Id, cancellationToken);
                    removed++;
                }
            }

            await ApplyStoredAsync(waitForConnections, cancellationToken);
            if (added + updated + removed > 0)
            {
                await changes.PublishAsync(new GatewayChange(GatewayChangeKind.Backends), CancellationToken.None);
            }

            return new ConfigSyncReport(added, updated, removed, skipped);
        }
    }

    private async Task ApplyStoredAsync(bool waitForConnections, CancellationToken cancellationToken)
    {
        var all = await repository.ListAsync(cancellationToken);
        await runtime.ApplyAsync([.. all.Select(b => b.EffectiveSettings)], waitForConnections, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "mcp.json server {Server} was synced concurrently elsewhere: {Reason}")]
    private static partial void LogConcurrentSync(ILogger logger, string server, string reason);
}
