namespace OneMcp.Application.Audit;

/// <summary>The stored audit log (both engines). Rows are only ever appended, read and pruned.</summary>
public interface IAuditRepository
{
    Task AddAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>Newest first; <see cref="AuditFilter.BeforeId"/> continues a page.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAsync(AuditFilter filter, int limit, CancellationToken cancellationToken);

    /// <summary>Backend calls (<see cref="AuditKinds.Calls"/>) since <paramref name="since"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> CallsSinceAsync(DateTimeOffset since, string? subject, int max, CancellationToken cancellationToken);

    /// <summary>Deletes entries older than <paramref name="threshold"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken);
}
