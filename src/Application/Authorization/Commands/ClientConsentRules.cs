using OneMcp.Domain.AuthorizationRequests;

namespace OneMcp.Application.Authorization.Commands;

internal static class ClientConsentRules
{
    /// <summary>The client request of this user, client and exact OAuth request; anything else is refused alike.</summary>
    public static async Task<ClientConsentRequest> FindOwnAsync(
        IAuthorizationRequestRepository requests, Guid id, string subject, string clientId, string digest, CancellationToken cancellationToken) =>
        await requests.FindAsync(id, cancellationToken) is ClientConsentRequest consent && consent.IsFor(subject, clientId, digest)
            ? consent
            : throw new ConsentRejectedException("This consent form does not match an open authorization request. Start the sign-in from your application again.");
}
