using FluentValidation;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Common.Exceptions;

/// <summary>
/// An exception of a use case as the caller is told it (ADR 0006): validation is <c>Invalid</c> with the messages by
/// field; a refused domain rule is <c>Invalid</c>, or <c>Conflict</c> when the resource's state (not the input)
/// forbids it, with the rule's code; a taken name, a stale version and the last administrator are <c>Conflict</c>.
/// </summary>
public sealed record ControlPlaneError(ControlPlaneErrorKind Kind, string Title, string Detail, string? Code, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    private const string ConflictTitle = "The operation conflicts with the resource's state.";

    /// <summary>Domain codes that describe the resource's state rather than bad input.</summary>
    private static readonly HashSet<string> ConflictCodes = new(
        [
            "backend.read_only", "backend.not_config", "authorization_request.expired", "authorization_request.already_decided",
            "authorization_request.already_redeemed", "user.external_password",
        ],
        StringComparer.Ordinal);

    /// <summary>The error an exception stands for; null for an exception that is no use case's answer (a bug, a failure).</summary>
    public static ControlPlaneError? Of(Exception exception) => exception switch
    {
        ValidationException v => new(ControlPlaneErrorKind.Invalid, "The request is invalid.", "See 'errors' for each invalid field.", null, v.Errors
            .GroupBy(e => e.PropertyName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal)),
        DomainException d when ConflictCodes.Contains(d.Code) => new(ControlPlaneErrorKind.Conflict, ConflictTitle, d.Message, d.Code),
        DomainException d => new(ControlPlaneErrorKind.Invalid, "The request breaks a rule.", d.Message, d.Code),
        LastAdminException last => new(ControlPlaneErrorKind.Conflict, ConflictTitle, last.Message, "user.last_admin"),
        DuplicateNameException dup => new(ControlPlaneErrorKind.Conflict, "The name is taken.", dup.Message, "duplicate_name"),
        ConcurrencyConflictException c => new(ControlPlaneErrorKind.Conflict, "The resource was changed by someone else.", c.Message, "version_conflict"),
        NotFoundException n => new(ControlPlaneErrorKind.NotFound, "Not found.", n.Message, null),
        BackendOAuthException o => new(ControlPlaneErrorKind.Upstream, "The backend's authorization server could not be used.", o.Message, o.Code),
        _ => null,
    };
}
