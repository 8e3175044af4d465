namespace OneMcp.Application.Audit;

/// <summary>
/// What to list. <see cref="User"/> matches the user name or the subject; <see cref="Subject"/> (a member's own
/// rows) matches the subject only; <see cref="Backends"/> (what a token reaches under scope validation) keeps the rows
/// of no backend and of those backends only. Null fields do not filter.
/// </summary>
public sealed record AuditFilter(
    string? User = null,
    string? Subject = null,
    string? Backend = null,
    string? Kind = null,
    string? Outcome = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    long? BeforeId = null,
    IReadOnlySet<string>? Backends = null);
