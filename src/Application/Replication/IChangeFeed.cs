namespace OneMcp.Application.Replication;

/// <summary>
/// Tells the other replicas sharing this database that a change was committed, so they reconcile within a
/// second instead of at their next restart. Called after the change is committed. A notification that cannot be
/// sent is logged, not thrown: the change itself stands (the others see it at their next resynchronisation).
/// </summary>
public interface IChangeFeed
{
    Task PublishAsync(GatewayChange change, CancellationToken cancellationToken);
}
