using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;

namespace OneMcp.Infrastructure.Audit;

/// <summary>
/// Deletes audit entries older than <see cref="AuditOptions.Retention"/>, once an hour. Every replica may run it:
/// the delete is idempotent. A failed run is logged and the next one is attempted on schedule.
/// </summary>
internal sealed partial class AuditPruningService(IAuditRepository store, AuditOptions options, TimeProvider time, ILogger<AuditPruningService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Host shutdown ends the first wait early and disposes the timer, which ends the loop: nothing to catch.
        await Task.Delay(options.PruneFirstRunDelay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        using var timer = new PeriodicTimer(options.PruneInterval, time);
        using var stopping = stoppingToken.Register(timer.Dispose);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var pruned = await RunOnceAsync(stoppingToken);
                LogPruned(logger, pruned);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The type and message only: no connection strings, no stack in the warning.
                LogRunFailed(logger, e.GetType().Name, e.Message);
            }
            catch (Exception e)
            {
                LogStoppedMidRun(logger, e);
                break;
            }

            if (!await timer.WaitForNextTickAsync(CancellationToken.None))
            {
                break;
            }
        }
    }

    /// <summary>One pruning pass with the current time; returns how many entries it deleted.</summary>
    internal Task<int> RunOnceAsync(CancellationToken cancellationToken) =>
        store.PruneAsync(time.GetUtcNow() - options.Retention, cancellationToken);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Audit pruning removed {Count} entries")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Audit pruning stopped mid-run: the gateway is stopping")]
    private static partial void LogStoppedMidRun(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Audit pruning failed ({ErrorType}: {Reason}); the next run is on schedule")]
    private static partial void LogRunFailed(ILogger logger, string errorType, string reason);
}
