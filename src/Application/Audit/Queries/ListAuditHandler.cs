using System.Globalization;
using MediatR;

namespace OneMcp.Application.Audit.Queries;

public sealed class ListAuditHandler(IAuditRepository audit) : IRequestHandler<ListAuditQuery, AuditPage>
{
    public async Task<AuditPage> Handle(ListAuditQuery request, CancellationToken cancellationToken)
    {
        var limit = request.Limit is null ? ListAuditQuery.DefaultLimit : int.Parse(request.Limit, CultureInfo.InvariantCulture);
        var filter = new AuditFilter(
            User: NullIfEmpty(request.User),
            Subject: request.OwnSubject,
            Backend: NullIfEmpty(request.Backend),
            Kind: request.Kind,
            Outcome: request.Outcome,
            Since: AuditTime.TryParse(request.Since, out var since) ? since : null,
            Until: AuditTime.TryParse(request.Until, out var until) ? until : null,
            BeforeId: AuditCursor.TryDecode(request.Cursor, out var before) ? before : null,
            Backends: request.Backends);

        // One row more than asked tells whether another page exists without a second query.
        var rows = await audit.ListAsync(filter, limit + 1, cancellationToken);
        var page = rows.Take(limit).Select(AuditItem.From).ToList();
        return new AuditPage(page, rows.Count > limit ? AuditCursor.Encode(page[^1].Id) : null);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
