using OneMcp.Domain.Common;

namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>The refusals of an <see cref="AuthorizationRequest"/>, with their stable codes.</summary>
public static class AuthorizationRequestErrors
{
    public const string ExpiredCode = "authorization_request.expired";

    /// <summary>A decision on a request that was approved or denied already.</summary>
    public const string AlreadyDecidedCode = "authorization_request.already_decided";

    /// <summary>What a decision that came too late (<see cref="DecisionOutcome.Expired"/>) reports.</summary>
    public static DomainException Expired() =>
        new(ExpiredCode, "This authorization request has expired; start again.");

    internal static DomainException AlreadyDecided(AuthorizationRequestStatus status) =>
        new(AlreadyDecidedCode, $"This authorization request was already {status.ToString().ToLowerInvariant()}.");

    internal static DomainException AdministratorRequired() =>
        new("authorization_request.administrator_required", "Only an administrator may approve this request.");

    internal static DomainException ScopeNotRequested(string scope) =>
        new("authorization_request.scope_not_requested", $"The scope '{scope}' was not requested.");

    internal static DomainException NoTagGranted() =>
        new("authorization_request.no_tag", "Approve at least one of the requested tags, or deny the request.");

    internal static DomainException NotApproved() =>
        new("authorization_request.not_approved", "This authorization request is not approved for you.");

    internal static DomainException NotYours() =>
        new("authorization_request.not_yours", "This authorization request was made by another user.");

    internal static DomainException AlreadyRedeemed() =>
        new("authorization_request.already_redeemed", "This approval was already used; start the sign-in from your application again.");

    internal static DomainException Required(string name) =>
        new("authorization_request.invalid", $"'{name}' is required.");
}
