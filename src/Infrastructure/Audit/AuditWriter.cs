using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;

namespace OneMcp.Infrastructure.Audit;

/// <summary>
/// Empties the <see cref="ChannelAuditLog"/> queue into the store, as many entries per transaction as are waiting
/// (up to <see cref="AuditOptions.MaxBatch"/>), after letting a burst gather for <see cref="AuditOptions.BatchWindow"/>. A failed write is logged (type and message only) and its entries
/// are lost rather than retried forever: the audit log must never grow without bound in memory.
/// </summary>
internal sealed partial class AuditWriter(ChannelAuditLog log, IAuditRepository store, AuditOptions options, TimeProvider time, ILogger<AuditWriter> logger)
    : BackgroundService
{
    // On shutdown, what is still queued gets this long to reach the store.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    // After a failed write: a store that is down is not hammered, and its warnings come once a second at most
    // (meanwhile the queue fills, and what does not fit is counted as dropped).
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditEntry>(options.MaxBatch);
        try
        {
            while (await log.Reader.WaitToReadAsync(stoppingToken))
            {
                if (log.Reader.Count < options.MaxBatch && options.BatchWindow > TimeSpan.Zero)
                {
                    await Task.Delay(options.BatchWindow, time, stoppingToken);
                }

                await WriteBatchAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException e) when (stoppingToken.IsCancellationRequested)
        {
            LogDraining(logger, log.Reader.Count + batch.Count, e);
        }

        log.Complete();
        using var drain = new CancellationTokenSource(DrainTimeout);
        try
        {
            while (batch.Count > 0 || log.Reader.TryPeek(out _))
            {
                await WriteBatchAsync(batch, drain.Token);
            }
        }
        catch (OperationCanceledException e)
        {
            // The store did not answer in time: what is left is lost, and the operator is told how much.
            LogDrainTimedOut(logger, log.Reader.Count + batch.Count, DrainTimeout.TotalSeconds, e);
        }
    }

    // A batch whose write was cancelled (shutdown) stays in the list and is written first by the drain.
    private async Task WriteBatchAsync(List<AuditEntry> batch, CancellationToken cancellationToken)
    {
        while (batch.Count < options.MaxBatch && log.Reader.TryRead(out var entry))
        {
            batch.Add(entry);
        }

        try
        {
            await store.AddAsync(batch, cancellationToken);
            batch.Clear();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The type and message only: no payloads, no connection strings.
            LogWriteFailed(logger, batch.Count, e.GetType().Name, e.Message);
            batch.Clear();
            await Task.Delay(FailureBackoff, time, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "The gateway is stopping: writing the {Count} queued audit entries")]
    private static partial void LogDraining(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The audit store did not take the last {Count} audit entries within {Seconds} s of shutdown; they are lost")]
    private static partial void LogDrainTimedOut(ILogger logger, int count, double seconds, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Writing {Count} audit entries failed ({ErrorType}: {Reason}); they are lost")]
    private static partial void LogWriteFailed(ILogger logger, int count, string errorType, string reason);
}
