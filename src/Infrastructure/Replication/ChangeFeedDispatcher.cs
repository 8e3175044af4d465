using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Diagnostics;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// Turns what arrives on the change feed into <see cref="ChangeFeedReactions"/>, one at a time, each in a scope of
/// its own: this replica's own changes are skipped (it applied them already), a payload that is not a change is
/// logged and ignored, and a reaction that fails is logged without stopping the ones after it. While following the
/// feed (<see cref="FollowAsync"/>), a reaction that failed is repaired by a full resynchronisation, tried again with
/// a backoff until one succeeds: otherwise this replica would keep what it held (a removed backend, old tokens) until
/// it restarts.
/// </summary>
/// <param name="replica">This replica: its own changes are skipped.</param>
/// <param name="scopes">A scope per reaction.</param>
/// <param name="time">The repair's backoff.</param>
/// <param name="logger">Failures and payloads that are not changes.</param>
/// <param name="telemetry">Counts what was followed (<c>onemcp_changes_followed_total</c>).</param>
public sealed partial class ChangeFeedDispatcher(
    ReplicaIdentity replica, IServiceScopeFactory scopes, TimeProvider time, ILogger<ChangeFeedDispatcher> logger, GatewayTelemetry? telemetry = null)
{
    internal static readonly TimeSpan FirstRepairDelay = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxRepairDelay = TimeSpan.FromSeconds(30);

    private const int LoggedPayloadLength = 200;

    // 1 while a repair waits for its backoff: a failure meanwhile is repaired by it.
    private int _repairPending;

    private enum Outcome
    {
        Applied,
        Ignored,
        Failed,
    }

    /// <summary>True when the payload was a change from another replica and was applied.</summary>
    public async Task<bool> DispatchAsync(string? payload, CancellationToken cancellationToken) =>
        await DispatchCoreAsync(payload, cancellationToken) == Outcome.Applied;

    /// <summary>Brings everything to the stored state (after notifications may have been lost).</summary>
    public async Task<bool> ResynchroniseAsync(CancellationToken cancellationToken) =>
        await RunAsync(reactions => reactions.ResynchroniseAsync(cancellationToken), null, cancellationToken) == Outcome.Applied;

    /// <summary>
    /// Applies what arrives on <paramref name="feed"/> in order until it completes: a payload is dispatched, null asks
    /// for a resynchronisation. After a reaction that failed, a null is written to <paramref name="feed"/> once the
    /// backoff (<see cref="FirstRepairDelay"/> doubling to <see cref="MaxRepairDelay"/>) has passed, so the repair
    /// queues behind the changes received meanwhile, which are still applied as they come.
    /// </summary>
    public async Task FollowAsync(Channel<string?> feed, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        var failures = 0;
        await foreach (var payload in feed.Reader.ReadAllAsync(stoppingToken))
        {
            var outcome = payload is null
                ? await RunAsync(reactions => reactions.ResynchroniseAsync(stoppingToken), null, stoppingToken)
                : await DispatchCoreAsync(payload, stoppingToken);
            if (outcome == Outcome.Applied && payload is null)
            {
                failures = 0;
            }
            else if (outcome == Outcome.Failed && Interlocked.Exchange(ref _repairPending, 1) == 0)
            {
                var delay = RetryDelay.After(++failures, FirstRepairDelay, MaxRepairDelay);
                _ = RepairLaterAsync(feed.Writer, delay, stoppingToken);
                LogRepairScheduled(logger, delay.TotalSeconds);
            }
        }
    }

    private async Task RepairLaterAsync(ChannelWriter<string?> feed, TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Volatile.Write(ref _repairPending, 0);
        feed.TryWrite(null);
    }

    private async Task<Outcome> DispatchCoreAsync(string? payload, CancellationToken cancellationToken)
    {
        if (!ChangeFeedPayload.TryParse(payload, out var parsed, out var error))
        {
            var shown = payload is { Length: > LoggedPayloadLength } ? payload[..LoggedPayloadLength] + "…" : payload;
            LogBadPayload(logger, error, shown);
            return Outcome.Ignored;
        }

        if (string.Equals(parsed.Origin, replica.Id, StringComparison.Ordinal))
        {
            return Outcome.Ignored;
        }

        return await RunAsync(reactions => reactions.ApplyAsync(parsed.Change, cancellationToken), parsed.Change.Kind, cancellationToken);
    }

    private async Task<Outcome> RunAsync(Func<ChangeFeedReactions, Task> react, GatewayChangeKind? kind, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await react(scope.ServiceProvider.GetRequiredService<ChangeFeedReactions>());
            telemetry?.ChangeFollowed(kind);
            return Outcome.Applied;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A cancellation that is not this replica stopping (a timeout inside a reaction) is a failure like any other.
            LogReactionFailed(logger, e, kind?.ToString() ?? "resynchronisation");
            return Outcome.Failed;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a notification on the change feed that is not a change ({Reason}): {Payload}")]
    private static partial void LogBadPayload(ILogger logger, string reason, string? payload);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following a change from another replica failed ({Change})")]
    private static partial void LogReactionFailed(ILogger logger, Exception exception, string change);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resynchronising everything with the stored state in {Seconds:0.#} s, to repair a change this replica failed to follow")]
    private static partial void LogRepairScheduled(ILogger logger, double seconds);
}
