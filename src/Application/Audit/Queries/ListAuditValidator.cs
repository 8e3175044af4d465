using System.Globalization;
using FluentValidation;

namespace OneMcp.Application.Audit.Queries;

public sealed class ListAuditValidator : AbstractValidator<ListAuditQuery>
{
    public ListAuditValidator()
    {
        RuleFor(q => q.Kind).Must(k => k is null || AuditKinds.All.Contains(k))
            .WithMessage($"kind must be one of: {string.Join(", ", AuditKinds.All)}.").OverridePropertyName("kind");
        RuleFor(q => q.Outcome).Must(o => o is null || AuditOutcomes.All.Contains(o))
            .WithMessage($"outcome must be one of: {string.Join(", ", AuditOutcomes.All)}.").OverridePropertyName("outcome");
        RuleFor(q => q.Since).Must(s => s is null || AuditTime.TryParse(s, out _))
            .WithMessage(q => AuditTime.Problem("since", q.Since, "2026-12-03T10:00:00Z")).OverridePropertyName("since");
        RuleFor(q => q.Until).Must(s => s is null || AuditTime.TryParse(s, out _))
            .WithMessage(q => AuditTime.Problem("until", q.Until, "2026-12-03T11:00:00Z")).OverridePropertyName("until");
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
