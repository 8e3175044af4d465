using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// Publishes a committed change to the other replicas on PostgreSQL: <c>pg_notify('onemcp_changes', payload)</c>
/// on a pooled connection (outside any transaction, so it is delivered at once). A notification that cannot be
/// sent is logged with the reason; the change itself is committed and stands.
/// </summary>
public sealed partial class PostgresChangeFeed(IDbConnectionFactory connections, ReplicaIdentity replica, ILogger<PostgresChangeFeed> logger)
    : IChangeFeed
{
    public async Task PublishAsync(GatewayChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var payload = new ChangeFeedPayload(replica.Id, change).Serialize();
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_notify(@Channel, @Payload)", new { Channel = ChangeFeedPayload.Channel, Payload = payload }, cancellationToken: cancellationToken));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogPublishFailed(logger, e, change.Kind, change.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not tell the other replicas about a {Kind} change ({Name}); they will see it when they next resynchronise")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, GatewayChangeKind kind, string? name);
}
