using System.Collections.Concurrent;
using OneMcp.Application.Audit;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>Keeps every audit entry in memory, in order.</summary>
public sealed class RecordingAuditLog : IAuditLog
{
    private readonly ConcurrentQueue<AuditEntry> _entries = new();

    public IReadOnlyList<AuditEntry> Entries => [.. _entries];

    public void Record(AuditEntry entry) => _entries.Enqueue(entry);
}
