using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Application.Gateway.InputRequests;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// Seals <c>requestState</c> with the gateway's Data Protection keys (authenticated encryption): a client can
/// neither read nor alter it, and every replica sharing the key ring can open it. The replica holding the waiting
/// call goes in front in clear (<c>&lt;replicaId&gt;.&lt;protected&gt;</c>, see <see cref="RequestStateTicket.ReplicaIdOf"/>);
/// a state whose clear id differs from the sealed one is refused like any altered state.
/// </summary>
public sealed class RequestStateProtector(IDataProtectionProvider protection) : IRequestStateProtector
{
    private const string Purpose = "OneMcp.Mcp.RequestState.v1";

    private readonly IDataProtector _protector = protection.CreateProtector(Purpose);

    public string Protect(RequestStateTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (ticket.ReplicaId.Length == 0 || ticket.ReplicaId.Contains(RequestStateTicket.Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException("A replica id is non-empty and has no separator.", nameof(ticket));
        }

        // The protected part is base64url: it never contains the separator.
        return ticket.ReplicaId + RequestStateTicket.Separator + _protector.Protect(JsonSerializer.Serialize(ticket, RequestStateJson.Default.RequestStateTicket));
    }

    public RequestStateTicket? Unprotect(string requestState)
    {
        ArgumentNullException.ThrowIfNull(requestState);
        if (RequestStateTicket.ReplicaIdOf(requestState) is not { } replicaId)
        {
            return null;
        }

        try
        {
            var ticket = JsonSerializer.Deserialize(_protector.Unprotect(requestState[(replicaId.Length + 1)..]), RequestStateJson.Default.RequestStateTicket);
            return ticket is not null && string.Equals(ticket.ReplicaId, replicaId, StringComparison.Ordinal) ? ticket : null;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            // Altered, truncated or sealed elsewhere: the caller refuses it, and that is all there is to say.
            return null;
        }
    }
}
