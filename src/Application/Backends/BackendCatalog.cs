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
    /// <summary>How many times a config sync reads the store and saves its changes before a concurrent writer's conflict is thrown.</summary>
    internal const int SyncAttempts = 3;

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

    /// <summary>
    /// Runs the stored backends as they are, for a gateway started without an mcp.json: backends an earlier mcp.json
    /// added stay stored and run, with their switches and credentials. Only an mcp.json that leaves them out removes
    /// them; a missing file says nothing about them (it may be another working directory, or a typo in a path).
    /// </summary>
    public async Task StartWithoutConfigAsync(bool waitForConnections, CancellationToken cancellationToken)
    {
        using (await gate.EnterAsync(cancellationToken))
        {
            await ApplyStoredAsync(waitForConnections, cancellationToken);
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
    /// The edit is saved whole or not at all (<see cref="IBackendServiceRepository.SaveChangesAsync"/>): a sync that
    /// fails leaves the store as it was, and is safe to run again.
    /// </summary>
    /// <remarks>
    /// Every replica syncs the same file, so two may save at the same moment: the later one's change set then meets a
    /// version or a name the earlier one just stored, and nothing of it is stored. It reads the store again and computes
    /// the change set anew, which the earlier write has usually made empty. A conflict on the last attempt is thrown.
    /// </remarks>
    public async Task<ConfigSyncReport> SyncConfigAsync(IReadOnlyList<BackendSettings> configured, bool waitForConnections, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configured);
        using (await gate.EnterAsync(cancellationToken))
        {
            for (var attempt = 1; ; attempt++)
            {
                var stored = await repository.ListAsync(cancellationToken);
                var (changeSet, report) = PlanConfigSync(stored, configured, time.GetUtcNow());
                try
                {
                    await repository.SaveChangesAsync(changeSet, cancellationToken);
                }
                catch (Exception e) when ((e is ConcurrencyConflictException or DuplicateNameException) && attempt < SyncAttempts)
                {
                    LogConcurrentSync(logger, e.Message, attempt + 1, SyncAttempts);
                    continue;
                }

                await ApplyStoredAsync(waitForConnections, cancellationToken);
                if (!changeSet.IsEmpty)
                {
                    await changes.PublishAsync(new GatewayChange(GatewayChangeKind.Backends), CancellationToken.None);
                }

                return report;
            }
        }
    }

    /// <summary>What it takes for the stored config backends to match <paramref name="configured"/>, and the report of it.</summary>
    private static (BackendChangeSet Changes, ConfigSyncReport Report) PlanConfigSync(
        IReadOnlyList<BackendService> stored, IReadOnlyList<BackendSettings> configured, DateTimeOffset now)
    {
        var byName = new Dictionary<string, BackendService>(StringComparer.OrdinalIgnoreCase);
        foreach (var backend in stored)
        {
            byName.TryAdd(backend.Name.Value, backend);
        }

        List<BackendService> added = [], updated = [], removed = [];
        var renamed = 0;
        var skipped = new List<string>();
        var inFile = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var settings in configured)
        {
            inFile.Add(settings.Name.Value);
            if (!byName.TryGetValue(settings.Name.Value, out var existing))
            {
                added.Add(BackendService.Register(settings, BackendOrigin.Config, now));
            }
            else if (existing.Origin == BackendOrigin.Api)
            {
                skipped.Add(settings.Name.Value);
            }
            else if (existing.Name != settings.Name)
            {
                // Renamed in case only: a different server as far as capability names go.
                removed.Add(existing);
                added.Add(BackendService.Register(settings, BackendOrigin.Config, now));
                renamed++;
            }
            else if (existing.Settings.RequiresReconnectComparedTo(settings) || existing.Settings.MetadataDiffersFrom(settings))
            {
                existing.SyncFromConfig(settings, now);
                updated.Add(existing);
            }
        }

        foreach (var backend in stored)
        {
            if (backend.Origin == BackendOrigin.Config && !inFile.Contains(backend.Name.Value))
            {
                removed.Add(backend);
            }
        }

        // A rename in case is reported as the update it is to the operator, though stored as a removal and an addition.
        var report = new ConfigSyncReport(added.Count - renamed, updated.Count + renamed, removed.Count - renamed, skipped);
        return (new BackendChangeSet(added, updated, removed), report);
    }

    private async Task ApplyStoredAsync(bool waitForConnections, CancellationToken cancellationToken)
    {
        var all = await repository.ListAsync(cancellationToken);
        await runtime.ApplyAsync([.. all.Select(b => b.EffectiveSettings)], waitForConnections, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "mcp.json was synced concurrently elsewhere ({Reason}); reading the stored backends again (try {Attempt} of {Attempts})")]
    private static partial void LogConcurrentSync(ILogger logger, string reason, int attempt, int attempts);
}
