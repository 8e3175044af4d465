namespace OneMcp.Infrastructure.Audit;

/// <summary>How the audit log queues, writes and keeps its entries.</summary>
public sealed class AuditOptions
{
    public const int DefaultRetentionDays = 30;

    /// <summary>Whether anything is recorded (<c>--disable-audit</c> turns it off; stored entries stay readable).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long entries are kept (<c>--audit-retention-days</c>).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(DefaultRetentionDays);

    /// <summary>Entries waiting to be written; beyond this, new ones are dropped and counted rather than waited for.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Most entries written in one transaction.</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>
    /// How long the writer lets entries gather before writing them, unless a whole batch is waiting already: one
    /// transaction for a burst instead of one per entry (what an entry waits to become readable, at most).
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Delay before the first pruning run (start-up is not slowed down).</summary>
    public TimeSpan PruneFirstRunDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Time between pruning runs.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Least time between two warnings about dropped entries.</summary>
    public TimeSpan DropWarningInterval { get; set; } = TimeSpan.FromMinutes(1);
}
