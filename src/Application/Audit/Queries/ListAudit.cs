using System.Globalization;
using FluentValidation;
using MediatR;

namespace OneMcp.Application.Audit.Queries;

/// <summary>
/// A page of the audit log, newest first. The parameters arrive as the query string sent them, so a malformed one
/// is reported by name. <paramref name="OwnSubject"/> set (a member): only that user's own rows.
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
    string? OwnSubject = null) : IRequest<AuditPage>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;
}

public sealed record AuditPage(IReadOnlyList<AuditItem> Items, string? NextCursor);

/// <summary>One row as the API shows it.</summary>
public sealed record AuditItem(
    long Id, DateTimeOffset Time, string Kind, string Outcome, string? User, string? Subject, string? ClientId,
    string? Backend, string? Name, long DurationMs, string? ErrorCode)
{
    public static AuditItem From(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var e = record.Entry;
        return new AuditItem(record.Id, e.Time, e.Kind, e.Outcome, e.UserName, e.Subject, e.ClientId, e.Backend, e.Name, e.DurationMs, e.ErrorCode);
    }
}

public sealed class ListAuditValidator : AbstractValidator<ListAuditQuery>
{
    public ListAuditValidator()
    {
        RuleFor(q => q.Kind).Must(k => k is null || AuditKinds.All.Contains(k))
            .WithMessage($"kind must be one of: {string.Join(", ", AuditKinds.All)}.").OverridePropertyName("kind");
        RuleFor(q => q.Outcome).Must(o => o is null || AuditOutcomes.All.Contains(o))
            .WithMessage($"outcome must be one of: {string.Join(", ", AuditOutcomes.All)}.").OverridePropertyName("outcome");
        RuleFor(q => q.Since).Must(s => s is null || AuditTime.TryParse(s, out _))
            .WithMessage("since must be an ISO 8601 time with an offset, e.g. 2026-12-03T10:00:00Z.").OverridePropertyName("since");
        RuleFor(q => q.Until).Must(s => s is null || AuditTime.TryParse(s, out _))
            .WithMessage("until must be an ISO 8601 time with an offset, e.g. 2026-12-03T11:00:00Z.").OverridePropertyName("until");
        RuleFor(q => q).Must(q => !AuditTime.TryParse(q.Since, out var since) || !AuditTime.TryParse(q.Until, out var until) || since <= until)
            .WithMessage("since must not be after until.").OverridePropertyName("since");
        RuleFor(q => q.Limit).Must(l => l is null || (int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= ListAuditQuery.MaxLimit))
            .WithMessage($"limit must be a whole number from 1 to {ListAuditQuery.MaxLimit}.").OverridePropertyName("limit");
        RuleFor(q => q.Cursor).Must(c => c is null || AuditCursor.TryDecode(c, out _))
            .WithMessage("cursor is not one this API returned.").OverridePropertyName("cursor");
        RuleFor(q => q.User).MaximumLength(200).OverridePropertyName("user");
        RuleFor(q => q.Backend).MaximumLength(200).OverridePropertyName("backend");
    }
}

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
            BeforeId: AuditCursor.TryDecode(request.Cursor, out var before) ? before : null);

        // One row more than asked tells whether another page exists without a second query.
        var rows = await audit.ListAsync(filter, limit + 1, cancellationToken);
        var page = rows.Take(limit).Select(AuditItem.From).ToList();
        return new AuditPage(page, rows.Count > limit ? AuditCursor.Encode(page[^1].Id) : null);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

internal static class AuditTime
{
    public static bool TryParse(string? value, out DateTimeOffset time)
    {
        time = default;

        // An offset is required: "10:00" alone would mean the server's zone, which the caller cannot know.
        return value is not null
            && (value.EndsWith('Z') || value.EndsWith('z') || (value.Length > 6 && value[^6] is '+' or '-'))
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}
