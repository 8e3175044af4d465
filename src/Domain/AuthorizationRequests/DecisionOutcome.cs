namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>What became of an approval or a denial.</summary>
public enum DecisionOutcome
{
    /// <summary>The request took the decision.</summary>
    Decided,

    /// <summary>
    /// Too late: the request is (now) expired and took no decision. The caller saves it when it
    /// <see cref="Common.Aggregate.HasUnsavedChanges"/> (so it stops showing as pending) and then reports
    /// <see cref="AuthorizationRequestErrors.Expired"/>.
    /// </summary>
    Expired,
}
