namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>
/// Where an <see cref="AuthorizationRequest"/> is: it starts <see cref="Pending"/> and moves once, to
/// <see cref="Approved"/>, <see cref="Denied"/> or <see cref="Expired"/>.
/// </summary>
public enum AuthorizationRequestStatus
{
    Pending,
    Approved,
    Denied,
    Expired,
}
