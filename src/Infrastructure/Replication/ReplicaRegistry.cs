using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// This replica in the <c>replicas</c> table (ADR 0031): registered at start, a heartbeat every few seconds
/// (which also removes replicas gone silent with their sessions, and tells the <see cref="SessionDirectory"/> who
/// is alive), removed with its sessions on an orderly stop. A replica another one took for gone (its database
/// connection was down too long) registers again with the sessions it still holds. With <c>--port 0</c> and no
/// <c>--replica-url</c> (an address whose port is 0) the port is known only once the server is bound, so the replica
/// registers when the host has started (<see cref="StartedAsync"/>: after the server and every other hosted service,
/// whichever order they start in), with the port the server is bound to.
/// </summary>
public sealed partial class ReplicaRegistry(
    ReplicaStore store, SessionDirectory directory, ReplicaIdentity identity, ReplicaOptions options, TimeProvider time, ILogger<ReplicaRegistry> logger,
    IServer? server = null)
    : BackgroundService, IHostedLifecycleService
{
    private Uri _url = options.Url;

    private bool OnBoundPort => options.Url.Port == 0;

    public override Task StartAsync(CancellationToken cancellationToken) =>
        OnBoundPort ? Task.CompletedTask : RegisterAndBeatAsync(cancellationToken);

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!OnBoundPort)
        {
            return Task.CompletedTask;
        }

        _url = BoundAddress.WithBoundPort(options.Url, server ?? throw new InvalidOperationException("The replica's port is 0 and no server tells which it is bound to."));
        return RegisterAndBeatAsync(cancellationToken);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RegisterAndBeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.RegisterAsync(identity.Id, _url, cancellationToken);
            LogRegistered(logger, identity.Id, _url);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The heartbeat registers it once the database answers.
            LogHeartbeatFailed(logger, e);
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await store.RemoveAsync(identity.Id, cancellationToken);
        }
        catch (Exception e)
        {
            // The others take it for gone once its heartbeat is stale.
            LogRemoveFailed(logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await BeatAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogHeartbeatFailed(logger, e);
            }
        }
    }

    /// <summary>One heartbeat: refresh this replica's row (or bring it back), clean the gone ones, read who is alive.</summary>
    internal async Task BeatAsync(CancellationToken cancellationToken)
    {
        if (!await store.HeartbeatAsync(identity.Id, cancellationToken))
        {
            await store.RegisterAsync(identity.Id, _url, cancellationToken);
            foreach (var session in directory.LocalSessions)
            {
                await store.RecordSessionAsync(session, identity.Id, cancellationToken);
            }

            LogRegisteredAgain(logger, identity.Id);
        }

        var removed = await store.RemoveGoneAsync(options.StaleAfter, cancellationToken);
        if (removed > 0)
        {
            LogRemovedGone(logger, removed);
        }

        var heartbeats = await store.HeartbeatsAsync(cancellationToken);
        directory.ObserveHeartbeats(heartbeats.Heartbeats, heartbeats.ReadAt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {ReplicaId} registered; other replicas reach it at {Url}")]
    private static partial void LogRegistered(ILogger logger, string replicaId, Uri url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {ReplicaId} was taken for gone by another replica: registered again with its sessions")]
    private static partial void LogRegisteredAgain(ILogger logger, string replicaId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} replica(s) whose heartbeat stopped, with their sessions")]
    private static partial void LogRemovedGone(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica heartbeat failed; retrying at the next one")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove this replica from the database on stopping")]
    private static partial void LogRemoveFailed(ILogger logger, Exception exception);
}
