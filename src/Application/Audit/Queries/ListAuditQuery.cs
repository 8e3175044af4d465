using MediatR;

namespace OneMcp.Application.Audit.Queries;

/// <summary>
/// A page of the audit log, newest first. The parameters arrive as the query string sent them, so a malformed one
/// is reported by name. <paramref name="OwnSubject"/> set (a member): only that user's own rows. <paramref name="Backends"/>
/// set (what a token reaches under scope validation): no row of any other backend, as the list of backends shows none.
/// </summary>
public sealed record ListAuditQuery(
    string? User = null,
    string? Backend = null,
    string? Kind = null,
    string? Outcome = null,
    string? Since = null,
    string? Until = null,
    string? Limit = null,
    string? Cursor = null,
    string? OwnSubject = null,
    IReadOnlySet<string>? Backends = null) : IRequest<AuditPage>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;
}
