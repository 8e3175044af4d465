using Microsoft.Extensions.Logging;
using OneMcp.Application.Replication;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// The change feed on SQLite, where one gateway process owns the database file: there is no other replica to tell,
/// and the process that made a change has already applied it, so a change is only logged (at debug level). What
/// another process changes in the file (the <c>onemcp users</c> command line) is seen as before: token
/// revocations within the validated-token cache's lifetime, the rest at the next start.
/// </summary>
public sealed partial class SingleProcessChangeFeed(ILogger<SingleProcessChangeFeed> logger) : IChangeFeed
{
    public Task PublishAsync(GatewayChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        LogApplied(logger, change.Kind, change.Name);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} change ({Name}) applied; no other replica shares this SQLite database")]
    private static partial void LogApplied(ILogger logger, GatewayChangeKind kind, string? name);
}
