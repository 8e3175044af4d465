namespace OneMcp.Application.Audit.Queries;

/// <summary>One row as the API shows it.</summary>
public sealed record AuditItem(
    long Id, DateTimeOffset Time, string Kind, string Outcome, string? User, string? Subject, string? ClientId,
    string? Backend, string? Name, long DurationMs, string? ErrorCode)
{
    /// <summary><c>user</c> or <c>shared</c>: whose credentials a call used; null for other events.</summary>
    public string? Credentials { get; init; }

    /// <summary>The user, preset, tag, grant, request or client a change or decision was made to; null for other events.</summary>
    public string? Target { get; init; }

    public static AuditItem From(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var e = record.Entry;
        return new AuditItem(record.Id, e.Time, e.Kind, e.Outcome, e.UserName, e.Subject, e.ClientId, e.Backend, e.Name, e.DurationMs, e.ErrorCode)
        {
            Credentials = e.Credentials,
            Target = e.Target,
        };
    }
}
