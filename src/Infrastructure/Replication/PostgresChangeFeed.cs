using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// Publishes a committed change to the other replicas on PostgreSQL: <c>pg_notify('onemcp_changes', payload)</c>
/// on a pooled connection (outside any transaction, so it is delivered at once). The change itself is committed and
/// stands whatever happens here. A notification that cannot be sent is logged and sent again in the background
/// (<see cref="FirstRetryDelay"/> doubling to <see cref="MaxRetryDelay"/>) until it goes out or the gateway stops:
/// replicas whose listen connection stayed up would otherwise never hear of the change (they resynchronise only after
/// losing that connection). Receivers read the stored state, so a late or repeated notification does no harm.
/// </summary>
/// <param name="connections">Pooled connections to the gateway's database.</param>
/// <param name="replica">This replica, named as the change's origin.</param>
/// <param name="time">The retries' waits.</param>
/// <param name="logger">Failures to publish, and a late success.</param>
public sealed partial class PostgresChangeFeed(IDbConnectionFactory connections, ReplicaIdentity replica, TimeProvider time, ILogger<PostgresChangeFeed> logger)
    : IChangeFeed, IDisposable
{
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();

    public async Task PublishAsync(GatewayChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var payload = new ChangeFeedPayload(replica.Id, change).Serialize();
        if (await TrySendAsync(payload, cancellationToken) is { } failure)
        {
            LogPublishFailed(logger, failure, change.Kind, change.Name);
            _ = RetryAsync(change, payload, _stopping.Token);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RetryAsync(GatewayChange change, string payload, CancellationToken stopping)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await Task.Delay(RetryDelay.After(attempt, FirstRetryDelay, MaxRetryDelay), time, stopping);
                if (await TrySendAsync(payload, stopping) is not { } failure)
                {
                    LogPublishedLate(logger, change.Kind, change.Name, attempt + 1);
                    return;
                }

                LogStillFailing(logger, change.Kind, attempt + 1, failure.Message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the others see the change at their next resynchronisation or this replica's next start.
        }
    }

    private async Task<Exception?> TrySendAsync(string payload, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_notify(@Channel, @Payload)", new { Channel = ChangeFeedPayload.Channel, Payload = payload }, cancellationToken: cancellationToken));
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return e;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not tell the other replicas about a {Kind} change ({Name}); trying again until it goes out")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, GatewayChangeKind kind, string? name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Still cannot tell the other replicas about a {Kind} change (attempt {Attempt}): {Reason}")]
    private static partial void LogStillFailing(ILogger logger, GatewayChangeKind kind, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Told the other replicas about a {Kind} change ({Name}) at attempt {Attempt}")]
    private static partial void LogPublishedLate(ILogger logger, GatewayChangeKind kind, string? name, int attempt);
}
