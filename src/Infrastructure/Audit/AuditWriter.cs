using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Audit;

/// <summary>
/// Empties the <see cref="ChannelAuditLog"/> queue into the store, as many entries per transaction as are waiting
/// (up to <see cref="AuditOptions.MaxBatch"/>), after letting a burst gather for <see cref="AuditOptions.BatchWindow"/>.
/// While the database cannot be reached (<see cref="DatabaseAvailability.Classify"/>) the batch is kept and retried with
/// a doubling delay (1 s up to 30 s), with one warning per outage (a batch whose commit was not acknowledged is written
/// again without duplicates: each entry keeps the key it was queued with, <see cref="AuditEntry.Key"/>); meanwhile the bounded queue fills, and what does not
/// fit is counted as dropped. Any other failed write is written again one entry at a time, and what is still refused is
/// logged (type and message only) and lost rather than retried forever: the audit log must never grow without bound in
/// memory. Callers never wait on it.
/// </summary>
internal sealed partial class AuditWriter(ChannelAuditLog log, IAuditRepository store, AuditOptions options, TimeProvider time, ILogger<AuditWriter> logger)
    : BackgroundService
{
    // On shutdown, what is still queued gets this long to reach the store.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    // After a failed write: a store that is down is not hammered, and its warnings come once a second at most
    // (meanwhile the queue fills, and what does not fit is counted as dropped).
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(1);

    // While the database is unreachable: the kept batch is retried after 1 s, 2 s, 4 s ... at most 30 s apart.
    private static readonly TimeSpan MaxOutageBackoff = TimeSpan.FromSeconds(30);

    private TimeSpan _outageBackoff = TimeSpan.Zero;

    /// <summary>
    /// Waits for the drain even when the host's token is already cancelled. The host gives all its services one shutdown
    /// timeout together, and the web server, which stops first, spends it waiting for requests still running (a long tool
    /// call); with the token spent, the base class would return at once and the process would exit with the queue
    /// unwritten and nothing logged. The drain bounds itself (<see cref="DrainTimeout"/>, then the loss is logged); this
    /// wait is bounded too, in case the store ignores cancellation.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var bound = new CancellationTokenSource(DrainTimeout * 2);
        await base.StopAsync(bound.Token);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditEntry>(options.MaxBatch);
        try
        {
            // A batch kept through an outage is retried even when nothing new arrives.
            while (batch.Count > 0 || await log.Reader.WaitToReadAsync(stoppingToken))
            {
                if (batch.Count == 0 && log.Reader.Count < options.MaxBatch && options.BatchWindow > TimeSpan.Zero)
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
            if (_outageBackoff > TimeSpan.Zero)
            {
                LogStoreBack(logger, batch.Count);
                _outageBackoff = TimeSpan.Zero;
            }

            batch.Clear();
        }
        catch (Exception e) when (e is not OperationCanceledException && DatabaseAvailability.Classify(e) is { } reason)
        {
            // The batch is kept (at most MaxBatch entries; the queue behind it is bounded) and written once the database is back.
            if (_outageBackoff == TimeSpan.Zero)
            {
                LogStoreUnreachable(logger, batch.Count, reason);
            }

            _outageBackoff = _outageBackoff == TimeSpan.Zero ? FailureBackoff : TimeSpan.FromTicks(Math.Min(_outageBackoff.Ticks * 2, MaxOutageBackoff.Ticks));
            await Task.Delay(_outageBackoff, time, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One entry the store refuses must not take the rest of the batch with it (other users' calls, sign-ins):
            // the batch is written again one entry at a time, and only what is still refused is lost. The type and
            // message only: no payloads, no connection strings.
            var lost = batch.Count == 1 ? 1 : await WriteEachAsync(batch, cancellationToken);
            LogWriteFailed(logger, lost, e.GetType().Name, e.Message);
            batch.Clear();
            await Task.Delay(FailureBackoff, time, cancellationToken);
        }
    }

    /// <summary>Writes each entry of a refused batch on its own; returns how many were refused again (or not written).</summary>
    private async Task<int> WriteEachAsync(List<AuditEntry> batch, CancellationToken cancellationToken)
    {
        var lost = 0;
        foreach (var entry in batch)
        {
            try
            {
                await store.AddAsync([entry], cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                lost++;
            }
        }

        return lost;
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "The gateway is stopping: writing the {Count} queued audit entries")]
    private static partial void LogDraining(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The audit store did not take the last {Count} audit entries within {Seconds} s of shutdown; they are lost")]
    private static partial void LogDrainTimedOut(ILogger logger, int count, double seconds, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The database cannot be reached ({Reason}): {Count} audit entries are kept and written once it is back (the queue keeps filling meanwhile)")]
    private static partial void LogStoreUnreachable(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "The database is back: {Count} kept audit entries written")]
    private static partial void LogStoreBack(ILogger logger, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Writing {Count} audit entries failed ({ErrorType}: {Reason}); they are lost")]
    private static partial void LogWriteFailed(ILogger logger, int count, string errorType, string reason);
}
